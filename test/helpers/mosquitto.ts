import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../shared/util/free-port.ts';
import { tempDir } from './temp-dir.ts';

/**
 * A private Mosquitto for a test: its own config on a free port, queues large enough that QoS 1 traffic is
 * never dropped (stack.md §2.10: the default max_queued_messages 1000 silently loses messages), no
 * persistence. Without the binary, the machine's broker at 127.0.0.1:1883 is used if it answers; otherwise
 * the test fails with a message saying what to install.
 */
export interface MosquittoBroker {
  url: string;
  port: number;
  /** True when this is the machine's shared broker, not a private one: use unique topics. */
  shared: boolean;
  close(): Promise<void>;
}

function findBinary(): string | undefined {
  for (const candidate of ['mosquitto', '/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']) {
    const r = spawnSync(candidate, ['-h'], { stdio: 'ignore' });
    if (!r.error) return candidate;
  }
  return undefined;
}

function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function startMosquitto(): Promise<MosquittoBroker> {
  const bin = findBinary();
  if (!bin) {
    if (await canConnect(1883))
      return { url: 'mqtt://127.0.0.1:1883', port: 1883, shared: true, close: async () => undefined };
    throw new Error(
      'Mosquitto is needed for this test: install it (apt-get install -y mosquitto) or run a broker on 127.0.0.1:1883',
    );
  }
  const dir = await tempDir('cds-mosquitto-');
  // Mosquitto started as root drops to user `mosquitto`, which must still read its config.
  await chmod(dir.path, 0o755);
  const port = await freePort();
  const conf = join(dir.path, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 1000000',
      'max_inflight_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  await chmod(conf, 0o644);
  const proc: ChildProcess = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => {
    stderr += c;
  });
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port, '127.0.0.1', 300))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      await dir.cleanup();
      throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim() || `exit ${proc.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    shared: false,
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = once(proc, 'exit');
        proc.kill('SIGTERM');
        await exited;
      }
      await dir.cleanup();
    },
  };
}
