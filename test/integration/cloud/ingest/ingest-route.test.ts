import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batch,
  countRows,
  createMigratedDatabase,
  type IngestTestApp,
  type MigratedDb,
  postBatch,
  reading,
  seedGateway,
  startIngestApp,
  T0,
} from '../../../helpers/cloud-fixtures.ts';

let db: MigratedDb;
let app: IngestTestApp;

beforeAll(async () => {
  db = await createMigratedDatabase();
  app = await startIngestApp(db.pool, { maxWireBytes: 256 * 1024, maxBodyBytes: 1024 * 1024 });
  await seedGateway(db.pool, { gatewayId: 'gw-a', siteId: 'site-1' });
  await seedGateway(db.pool, { gatewayId: 'gw-b', siteId: 'site-1' });
  await seedGateway(db.pool, { gatewayId: 'gw-closed', siteId: 'site-2', autoEnroll: false });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
});

const readingsOf = (device: string) => countRows(db.pool, 'readings', 'device_id = $1', [device]);

describe('POST /api/v1/aicss/dados', () => {
  it('stores a gzip batch, enrolls new devices, answers after commit with counts', async () => {
    const rs = [0, 1, 2].map((i) =>
      reading({ device: 'dev-ok', seq: i, ts: T0 + i * 10_000, e1: 100 + i, v: 127 }),
    );
    const b = batch('gw-a', rs, {
      alerts: [
        {
          id: 'al-1',
          device: 'dev-ok',
          rule: 'voltage_critical',
          severity: 'critical',
          state: 'raised',
          raisedAt: T0,
          clearedAt: null,
          value: 90,
          threshold: 100,
          message: 'voltage low',
        },
      ],
      losses: [
        {
          id: 'loss-1',
          device: 'dev-ok',
          reason: 'buffer_full_dropped',
          count: 7,
          fromTs: T0 - 60_000,
          toTs: T0,
          recordedAt: T0,
        },
      ],
    });
    const res = await postBatch(app.url, b, { gzip: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      batchId: b.batchId,
      committed: true,
      accepted: 3,
      duplicates: 0,
      rejected: [],
      alertsAccepted: 1,
      lossesAccepted: 1,
      replayed: false,
      config: null,
    });
    expect(await readingsOf('dev-ok')).toBe(3);
    const stored = await db.pool.query(
      `select ts, received_at, voltage_v, energy_wh, power_w, flags, gateway_id, source from readings
        where device_id = 'dev-ok' and seq = 1`,
    );
    expect(stored.rows[0]).toEqual({
      ts: new Date(T0 + 10_000),
      received_at: new Date(T0 + 10_050),
      voltage_v: 127,
      energy_wh: [101, null],
      power_w: [null, null],
      flags: 0,
      gateway_id: 'gw-a',
      source: 'sim',
    });
    const dev = await db.pool.query(
      'select site_id, gateway_id, last_reading_ts from devices where device_id = $1',
      ['dev-ok'],
    );
    expect(dev.rows[0]).toMatchObject({ site_id: 'site-1', gateway_id: 'gw-a' });
    expect(dev.rows[0].last_reading_ts.getTime()).toBe(T0 + 20_000);
    const alert = await db.pool.query('select site_id, state from alerts where alert_id = $1', ['al-1']);
    expect(alert.rows[0]).toEqual({ site_id: 'site-1', state: 'raised' });
    expect(await countRows(db.pool, 'losses', 'loss_id = $1', ['loss-1'])).toBe(1);
    const hourly = await db.pool.query(
      'select reading_count, energy_wh from reading_hourly where device_id = $1',
      ['dev-ok'],
    );
    expect(hourly.rows).toEqual([{ reading_count: 3, energy_wh: [2, 0] }]);
  });

  it('stores the status report and pushes a newer config', async () => {
    await db.pool.query(
      `insert into gateway_configs (gateway_id, version, config) values ('gw-b', 3, '{"x":1}')`,
    );
    const status = {
      backlogReadings: 12,
      oldestUnsyncedTs: T0,
      rejectedByCode: { crc_mismatch: 2 },
      devices: [],
      configVersion: 2,
      softwareVersion: '0.1.0',
      sentAt: T0,
    };
    const res = await postBatch(app.url, batch('gw-b', [], { status }));
    expect(res.status).toBe(200);
    expect(res.body.config).toEqual({ version: 3, config: { x: 1 } });
    const gw = await db.pool.query(
      'select last_status, config_version_applied from gateways where gateway_id = $1',
      ['gw-b'],
    );
    expect(gw.rows[0]).toEqual({ last_status: status, config_version_applied: 2 });
    const again = await postBatch(app.url, batch('gw-b', [], { status: { ...status, configVersion: 3 } }));
    expect(again.body.config).toBeNull();
  });

  it('replays the stored answer for the same key and stores nothing twice', async () => {
    const rs = [0, 1].map((i) => reading({ device: 'dev-replay', seq: i, ts: T0 + i * 10_000, e1: i }));
    const b = batch('gw-a', rs);
    const first = await postBatch(app.url, b);
    const second = await postBatch(app.url, b, { gzip: true });
    expect(first.body.replayed).toBe(false);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ ...first.body, replayed: true });
    // A retry carries a fresh status snapshot: still the same batch.
    const third = await postBatch(app.url, {
      ...b,
      status: {
        backlogReadings: 0,
        oldestUnsyncedTs: null,
        rejectedByCode: {},
        devices: [],
        configVersion: 0,
        softwareVersion: 'x',
        sentAt: T0 + 1,
      },
    });
    expect(third.body.replayed).toBe(true);
    // The same rows under a new key are duplicates.
    const fresh = await postBatch(app.url, batch('gw-a', rs));
    expect(fresh.body).toMatchObject({ accepted: 0, duplicates: 2, replayed: false });
    expect(await readingsOf('dev-replay')).toBe(2);
    const h = await db.pool.query('select reading_count from reading_hourly where device_id = $1', [
      'dev-replay',
    ]);
    expect(h.rows).toEqual([{ reading_count: 2 }]);
  });

  it('takes the de-duplicating path when a row got in outside ingest (the counter state did not know it)', async () => {
    const r = reading({ device: 'dev-outside', seq: 0, ts: T0, e1: 1 });
    expect((await postBatch(app.url, batch('gw-a', [r]))).status).toBe(200);
    await db.pool.query(
      `update device_counter_state set ts = null, boot = null, seq = null where device_id = $1`,
      ['dev-outside'],
    );
    const res = await postBatch(
      app.url,
      batch('gw-a', [r, reading({ device: 'dev-outside', seq: 1, ts: T0 + 10_000, e1: 3 })]),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(await readingsOf('dev-outside')).toBe(2);
  });

  it('refuses a used key with different content (422) and writes nothing', async () => {
    const b = batch('gw-a', [reading({ device: 'dev-key', seq: 0, ts: T0, e1: 1 })]);
    expect((await postBatch(app.url, b)).status).toBe(200);
    const other = { ...b, readings: [reading({ device: 'dev-key', seq: 1, ts: T0 + 10_000, e1: 2 })] };
    const res = await postBatch(app.url, other);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    expect(await readingsOf('dev-key')).toBe(1);
  });

  it('accepts good rows and lists bad ones with codes', async () => {
    await seedGateway(db.pool, { gatewayId: 'gw-owner' });
    await postBatch(app.url, batch('gw-owner', [reading({ device: 'dev-foreign', seq: 0, ts: T0 })]));
    const rows = [
      reading({ device: 'dev-mixed', seq: 0, ts: T0, e1: 5 }),
      { ...reading({ device: 'dev-mixed', seq: 1, ts: T0 + 1 }), voltageV: 'NaN' },
      reading({ device: 'dev-foreign', seq: 1, ts: T0 + 2 }),
      reading({ device: 'dev-mixed', seq: 2, ts: T0 + 3 * 24 * 3600_000 }),
      reading({ device: 'dev-mixed', seq: 0, ts: T0, e1: 5 }),
      { device: 'x'.repeat(5000) },
    ];
    const res = await postBatch(app.url, batch('gw-a', rows));
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.duplicates).toBe(1);
    expect(res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
      [1, 'validation_failed'],
      [2, 'device_not_owned'],
      [3, 'out_of_range'],
      [5, 'validation_failed'],
    ]);
    expect(res.body.rejected[0].message).toContain('voltageV');
    expect(res.body.rejected[3].message.length).toBeLessThan(400);
    expect(await readingsOf('dev-foreign')).toBe(1);
    const rej = await db.pool.query(
      `select device_id, code, count::int from ingest_rejections where gateway_id = 'gw-a' order by 1, 2`,
    );
    expect(rej.rows).toEqual([
      { device_id: '-', code: 'validation_failed', count: 1 },
      { device_id: 'dev-foreign', code: 'device_not_owned', count: 1 },
      { device_id: 'dev-mixed', code: 'out_of_range', count: 1 },
      { device_id: 'dev-mixed', code: 'validation_failed', count: 1 },
    ]);
  });

  describe('bad input: 4xx with a clear message, nothing written', () => {
    const tableCounts = async () => ({
      readings: await countRows(db.pool, 'readings'),
      batches: await countRows(db.pool, 'sync_batches'),
      devices: await countRows(db.pool, 'devices'),
      hourly: await countRows(db.pool, 'reading_hourly'),
    });
    const cases: [
      string,
      () => Promise<{ status: number; body: { error: { code: string; message: string } } }>,
      number,
      string,
    ][] = [
      [
        'malformed JSON',
        () => postBatch(app.url, null, { raw: '{"gatewayId": "gw-a", ', key: 'k-12345678' }),
        400,
        'malformed_json',
      ],
      [
        'NaN literal',
        () =>
          postBatch(app.url, null, {
            raw: '{"gatewayId":"gw-a","batchId":"k-12345678","readings":[NaN]}',
            key: 'k-12345678',
          }),
        400,
        'malformed_json',
      ],
      [
        'wrong top-level types',
        () => postBatch(app.url, { gatewayId: 'gw-a', batchId: 'k-12345678', readings: 'all' }),
        400,
        'validation_failed',
      ],
      [
        'missing fields',
        () => postBatch(app.url, { gatewayId: 'gw-a', batchId: 'k-12345678' }),
        400,
        'validation_failed',
      ],
      [
        'missing Idempotency-Key',
        () =>
          postBatch(app.url, batch('gw-a', [reading({ device: 'dev-bad', seq: 0, ts: T0 })]), { key: null }),
        400,
        'bad_request',
      ],
      [
        'mismatched Idempotency-Key',
        () =>
          postBatch(app.url, batch('gw-a', [reading({ device: 'dev-bad', seq: 0, ts: T0 })]), {
            key: 'another-key-1',
          }),
        400,
        'bad_request',
      ],
      [
        'another gateway in the body',
        () =>
          postBatch(app.url, batch('gw-b', [reading({ device: 'dev-bad', seq: 0, ts: T0 })]), {
            gatewayId: 'gw-a',
          }),
        403,
        'forbidden',
      ],
      [
        'every reading invalid (NaN string, huge number)',
        () =>
          postBatch(app.url, null, {
            raw: `{"gatewayId":"gw-a","batchId":"k-87654321","readings":[{"device":"dev-bad","boot":1,"seq":1e400}, ${JSON.stringify({ ...reading({ device: 'dev-bad', seq: 0, ts: T0 }), ts: 'NaN' })}]}`,
            key: 'k-87654321',
            gatewayId: 'gw-a',
          }),
        422,
        'validation_failed',
      ],
      [
        'huge strings',
        () =>
          postBatch(
            app.url,
            batch('gw-a', [], {
              alerts: [
                {
                  id: 'a'.repeat(100),
                  device: null,
                  rule: 'storage',
                  severity: 'info',
                  state: 'raised',
                  raisedAt: T0,
                  clearedAt: null,
                  value: null,
                  threshold: null,
                  message: 'm'.repeat(200_000),
                },
              ],
            }),
          ),
        400,
        'validation_failed',
      ],
      [
        'unknown device, auto-enroll off',
        () => postBatch(app.url, batch('gw-closed', [reading({ device: 'dev-new-closed', seq: 0, ts: T0 })])),
        422,
        'validation_failed',
      ],
      [
        'device of another gateway only',
        () => postBatch(app.url, batch('gw-b', [reading({ device: 'dev-ok', seq: 99, ts: T0 })])),
        422,
        'validation_failed',
      ],
      [
        'not JSON content type',
        () =>
          postBatch(app.url, null, {
            raw: 'a=b',
            headers: { 'content-type': 'text/plain' },
            key: 'k-12345678',
          }),
        415,
        'unsupported_encoding',
      ],
      [
        'unsupported encoding',
        () =>
          postBatch(app.url, null, { raw: 'xx', headers: { 'content-encoding': 'br' }, key: 'k-12345678' }),
        415,
        'unsupported_encoding',
      ],
      [
        'corrupt gzip',
        () =>
          postBatch(app.url, null, {
            raw: 'not gzip at all',
            headers: { 'content-encoding': 'gzip' },
            key: 'k-12345678',
          }),
        400,
        'bad_request',
      ],
      [
        'oversize plain body',
        () =>
          postBatch(
            app.url,
            batch('gw-a', [reading({ device: 'dev-bad', seq: 0, ts: T0 })], { losses: [] }),
            { raw: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }) },
          ),
        413,
        'payload_too_large',
      ],
      [
        'oversize gzip wire',
        () =>
          postBatch(app.url, null, {
            raw: gzipSync(randomBytes(400_000).toString('base64')),
            headers: { 'content-encoding': 'gzip' },
            key: 'k-12345678',
          }),
        413,
        'payload_too_large',
      ],
    ];
    for (const [name, send, status, code] of cases) {
      it(name, async () => {
        const b = await tableCounts();
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.body.error.code).toBe(code);
        expect(res.body.error.message.length).toBeGreaterThan(10);
        expect(res.body.error.message.length).toBeLessThan(2000);
        expect(await tableCounts()).toEqual(b);
      });
    }

    it('a gzip bomb (1 GiB of zeros) gets 413 without inflating it', async () => {
      const b = await tableCounts();
      const { status, body } = await sendGzipBomb(`${app.url}/api/v1/aicss/dados`, 1024 ** 3);
      expect(status).toBe(413);
      expect(JSON.parse(body).error.code).toBe('payload_too_large');
      expect(JSON.parse(body).error.message).toContain('decompressed body exceeds');
      expect(await tableCounts()).toEqual(b);
      // the server is still fine
      const ok = await postBatch(app.url, batch('gw-a', []));
      expect(ok.status).toBe(200);
    });

    it('a request without a gateway principal is refused', async () => {
      const res = await postBatch(app.url, batch('gw-a', []), { gatewayId: 'gw-unknown' });
      expect(res.status).toBe(403);
    });
  });
});

/** Streams a gzip of `size` zero bytes (about 1 MB on the wire per GiB) as the request body. */
function sendGzipBomb(url: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'idempotency-key': 'bomb-12345678',
        'x-test-gateway': 'gw-a',
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    const gz = createGzip({ level: 9 });
    gz.pipe(req);
    const zeros = Buffer.alloc(1024 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += zeros.length;
        if (!gz.write(zeros)) return gz.once('drain', pump);
      }
      gz.end();
    };
    pump();
  });
}
