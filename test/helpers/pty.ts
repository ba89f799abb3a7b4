import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * A pseudo-terminal pair joined by socat (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`): bytes written to one
 * path come out of the other, through the kernel's tty layer, as from a USB-serial board. Open both ends with
 * `serialport` (stack.md §2.7: an fs read stream on a pty keeps the process alive).
 */
export interface PtyPair {
  /** The end the "board" writes to. */
  a: string;
  /** The end the "gateway" reads from. */
  b: string;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

export async function openPtyPair(): Promise<PtyPair> {
  let proc: ChildProcess;
  try {
    proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    throw new Error(`cannot start socat (apt-get install socat): ${(err as Error).message}`);
  }
  const paths: string[] = [];
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`socat did not report two ptys within ${READY_TIMEOUT_MS} ms: ${stderr}`)),
      READY_TIMEOUT_MS,
    );
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start socat (apt-get install socat): ${err.message}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`socat exited with ${code} before it was ready: ${stderr}`));
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      for (const m of chunk.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) paths.push(m[1]!);
      // socat prints this once both ends exist and it is copying.
      if (paths.length >= 2 && stderr.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  try {
    await ready;
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  proc.removeAllListeners('exit');
  return {
    a: paths[0]!,
    b: paths[1]!,
    async close() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
