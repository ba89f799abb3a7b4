import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAicssSensor } from '../../../../shared/protocol/mqtt-sensor.ts';
import { freePort } from '../../../../shared/util/free-port.ts';
import { buildCdsBundle, type CdsBundle } from '../../../helpers/gw-build.ts';
import { eventually } from '../../../helpers/gw-pty.ts';
import { tempDir } from '../../../helpers/temp-dir.ts';

/**
 * The gateway's promise under kill -9: a real gateway process (`cds gateway run`) takes QoS 1 publishes at
 * full speed from real mqtt clients with a large in-flight window, and is killed with SIGKILL at random
 * moments, 20 times, restarted each time. Every reading whose PUBACK a client received must be in SQLite,
 * exactly once, under the board's one boot (re-sends after a restart must not look like a new boot).
 * The gateway runs as deployed: the production bundle (`npm run build`) on plain node, which also starts in
 * less than half the time of the sources through tsx (21 starts).
 */

const KILLS = 20;
const WINDOW = 400;
const DEVICES = ['aicss-crash1', 'aicss-crash2'];
const ROOT = join(import.meta.dirname, '../../../..');
const BOOT_S = Math.floor(Date.now() / 1000) - 7200;

let dir: { path: string; cleanup(): Promise<void> };
let bundle: CdsBundle;
let configPath: string;
let dbPath: string;
let child: ChildProcess | undefined;
const clients: MqttClient[] = [];

function startGateway(): ChildProcess {
  const p = spawn(process.execPath, [bundle.entry, 'gateway', 'run', '-c', configPath], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child = p;
  return p;
}

async function kill(p: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return p.exitCode;
  const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
  p.kill(signal);
  return exited;
}

beforeAll(async () => {
  bundle = await buildCdsBundle('crash-test');
  dir = await tempDir('cds-gw-crash-');
  const port = await freePort();
  configPath = join(dir.path, 'gateway.json');
  dbPath = join(dir.path, 'gateway.sqlite');
  await writeFile(
    configPath,
    JSON.stringify({
      gatewayId: 'gw-crash',
      dataDir: dir.path,
      broker: {
        host: '127.0.0.1',
        port,
        devices: DEVICES.map((d) => ({ username: d, password: `pw-${d}`, device: d })),
      },
      http: { enabled: false },
      sync: { enabled: false },
      logging: { level: 'error' },
    }),
  );
  for (const d of DEVICES) {
    clients.push(
      mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        clientId: `crash-${d}-${process.pid}`,
        username: d,
        password: `pw-${d}`,
        reconnectPeriod: 50,
        connectTimeout: 5000,
      }),
    );
  }
  for (const c of clients) c.on('error', () => undefined);
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  if (child) await kill(child, 'SIGKILL');
  await dir?.cleanup();
  await bundle?.cleanup();
});

describe('gateway crash (kill -9) under QoS 1 load', () => {
  it('keeps every PUBACKed reading in SQLite exactly once across 20 kills', {
    timeout: 240_000,
  }, async () => {
    const acked = new Set<string>();
    let inflight = 0;
    let pumping = true;
    const nextSeq = DEVICES.map(() => 0);

    const pump = (i: number) => {
      const c = clients[i]!;
      const device = DEVICES[i]!;
      while (pumping && inflight < WINDOW) {
        const seq = nextSeq[i]!++;
        const up = 3600 + Math.floor(seq / 50);
        const payload = encodeAicssSensor({ MSG: seq, t: BOOT_S + up, up, V: 127.1, P1: 60, E1: 1000 + seq });
        inflight++;
        c.publishAsync(`tele/${device}/SENSOR`, payload, { qos: 1 }).then(
          () => {
            acked.add(`${device}/${seq}`);
            inflight--;
            pump(i);
          },
          () => {
            inflight--;
          },
        );
      }
    };
    for (let i = 0; i < DEVICES.length; i++) pump(i);

    for (let k = 0; k < KILLS; k++) {
      const p = startGateway();
      const before = acked.size;
      await eventually(() => acked.size > before, `PUBACKs after start ${k + 1}`, 60_000);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 400));
      await kill(p, 'SIGKILL');
    }

    // Last run: stop publishing, let every in-flight publish be answered, then a clean stop.
    const last = startGateway();
    pumping = false;
    await eventually(() => inflight === 0, 'all in-flight publishes answered', 120_000);
    expect(await kill(last, 'SIGTERM')).toBe(0);

    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    const rows = db.prepare('select device, boot, seq from readings').all() as Array<{
      device: string;
      boot: number;
      seq: number;
    }>;
    db.close();
    const perKey = new Map<string, number>();
    for (const r of rows) perKey.set(`${r.device}/${r.seq}`, (perKey.get(`${r.device}/${r.seq}`) ?? 0) + 1);
    const missing = [...acked].filter((k) => !perKey.has(k));
    const twice = [...perKey].filter(([, n]) => n > 1).map(([k]) => k);
    const otherBoots = rows.filter((r) => r.boot !== BOOT_S);

    expect(acked.size).toBeGreaterThan(KILLS * 10);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(otherBoots).toEqual([]);
  });
});
