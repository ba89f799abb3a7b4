import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

/**
 * A real pseudo-terminal pair made by socat, for serial tests: the gateway opens `gatewayPath`, the test
 * plays the board on `devicePath` (opened with a second SerialPort: reading a pty through fs streams keeps
 * the process alive, stack.md §2.7). `unplug()` kills socat, which the gateway sees as a vanished device;
 * `replug()` starts a new pair under the same names (new /dev/pts numbers, like USB re-enumeration).
 */
export interface PtyPair {
  gatewayPath: string;
  devicePath: string;
  /** Writes bytes as the board would, after the device side is open. */
  write(data: string | Buffer): Promise<void>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function openPtyPair(dir: string, name: string): Promise<PtyPair> {
  const gatewayPath = join(dir, `${name}-gw`);
  const devicePath = join(dir, `${name}-dev`);
  let socat: ChildProcess | undefined;
  let device: SerialPort | undefined;

  async function plug(): Promise<void> {
    const p = spawn('socat', [`pty,raw,echo=0,link=${gatewayPath}`, `pty,raw,echo=0,link=${devicePath}`], {
      stdio: 'ignore',
    });
    socat = p;
    await waitFor(() => existsSync(gatewayPath) && existsSync(devicePath), `socat links ${name}`);
    const port = new SerialPort({ path: devicePath, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', () => undefined);
    device = port;
  }

  async function unplug(): Promise<void> {
    const port = device;
    device = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    const p = socat;
    socat = undefined;
    if (p && p.exitCode === null) {
      const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill('SIGTERM');
      await exited;
    }
    await waitFor(() => !existsSync(gatewayPath) && !existsSync(devicePath), `socat links ${name} gone`);
  }

  await plug();
  return {
    gatewayPath,
    devicePath,
    write(data) {
      const port = device;
      if (!port) return Promise.reject(new Error('pty unplugged'));
      return new Promise((resolve, reject) => {
        port.write(data, (err) => {
          if (err) return reject(err);
          port.drain((e) => (e ? reject(e) : resolve()));
        });
      });
    },
    unplug,
    replug: plug,
    close: unplug,
  };
}

/** Polls until `check()` is true (the gateway works asynchronously); fails with `what` after the timeout. */
export function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return waitFor(check, what, timeoutMs);
}
