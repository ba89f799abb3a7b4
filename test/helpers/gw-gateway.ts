import Database from 'better-sqlite3';
import { SerialPort } from 'serialport';
import { decodeReadingRow, type ReadingColumns } from '../../gateway/buffer/reading-codec.ts';
import type { GatewayConfigInput } from '../../gateway/config/config-schema.ts';
import { parseConfig } from '../../gateway/config/load-config.ts';
import { createGateway, type Gateway } from '../../gateway/create-gateway.ts';
import type { OpenPort } from '../../gateway/serial/serial-source.ts';
import { silentLogger } from '../../shared/log.ts';
import type { Reading } from '../../shared/schemas/reading.ts';
import { tempDir } from './temp-dir.ts';

/**
 * A real gateway for integration tests: SQLite in a temp folder, broker and HTTP on 127.0.0.1 port 0,
 * sync off unless the test configures it. `overrides` are merged over that base (sections shallowly).
 */
export interface TestGateway {
  gateway: Gateway;
  dir: string;
  dbPath: string;
  brokerUrl: string;
  httpUrl: string;
  /** Reads the stored readings straight from the SQLite file (a separate read-only connection). */
  storedKeys(): Array<{ device: string; boot: number; seq: number }>;
  /** The stored readings, decoded, in storage order (also straight from the SQLite file). */
  storedReadings(device?: string): Reading[];
  /** Stops the gateway and removes its folder (unless `opts.dir` was given). */
  close(): Promise<void>;
  /** Stops the gateway, keeping its folder (to start another one on it). */
  stop(): Promise<void>;
}

const realSerial: OpenPort = (o) => new SerialPort(o);

export async function startTestGateway(
  overrides: GatewayConfigInput = {},
  opts: {
    openPort?: OpenPort /** Reuse this folder (a restart); it is then left in place on close. */;
    dir?: string;
  } = {},
): Promise<TestGateway> {
  const dir = opts.dir ? { path: opts.dir, cleanup: async () => undefined } : await tempDir('cds-gw-test-');
  const base: Record<string, unknown> = {
    gatewayId: 'gw-test',
    dataDir: dir.path,
    broker: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    sync: { enabled: false },
  };
  const input: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    const b = base[k];
    input[k] =
      b && typeof b === 'object' && v && typeof v === 'object' && !Array.isArray(v) ? { ...b, ...v } : v;
  }
  const config = parseConfig(input);
  const gateway = createGateway({
    log: silentLogger(),
    config,
    clock: Date.now,
    openPort: opts.openPort ?? realSerial,
    softwareVersion: 'test',
  });
  await gateway.start();
  const dbPath = config.buffer.path;
  return {
    gateway,
    dir: dir.path,
    dbPath,
    brokerUrl: `mqtt://127.0.0.1:${gateway.broker?.port ?? 0}`,
    httpUrl: `http://127.0.0.1:${gateway.http?.port ?? 0}`,
    storedKeys() {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        return db.prepare('select device, boot, seq from readings order by id').all() as Array<{
          device: string;
          boot: number;
          seq: number;
        }>;
      } finally {
        db.close();
      }
    },
    storedReadings(device) {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        const sql = 'select device, boot, seq, ts, body from readings';
        const rows = (
          device === undefined
            ? db.prepare(`${sql} order by id`).all()
            : db.prepare(`${sql} where device = ? order by id`).all(device)
        ) as ReadingColumns[];
        return rows.map(decodeReadingRow);
      } finally {
        db.close();
      }
    },
    async close() {
      await gateway.stop();
      await dir.cleanup();
    },
    async stop() {
      await gateway.stop();
    },
  };
}
