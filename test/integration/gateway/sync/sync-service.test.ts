import { afterEach, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../../../gateway/alerts/alert-engine.ts';
import { AlertsConfig } from '../../../../gateway/config/core-config.ts';
import { silentLogger } from '../../../../shared/log.ts';
import type { Reading } from '../../../../shared/schemas/reading.ts';
import { CaptureSink } from '../alerts/alert-harness.ts';
import { makeReading } from '../buffer/reading-fixture.ts';
import { type SyncHarness, syncHarness } from './sync-harness.ts';

let h: SyncHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Every key the gateway stored is at the cloud exactly once, and nothing else is. */
function expectExactlyOnce(h: SyncHarness, n: number) {
  expect(h.cloud.readings.size).toBe(n);
  expect([...h.cloud.offered.values()].every((c) => c === 1)).toBe(true);
  expect(h.t.buffer.store.backlog().count).toBe(0);
}

describe('SyncService against the fake cloud', () => {
  it('sends everything once as gzip JSON, with key = batchId, a status, alerts and loss entries', async () => {
    h = await syncHarness({ maxReadingsPerBatch: 1000 });
    await h.store(0, 2500);
    h.t.buffer.losses.record({
      device: 'aicss-a1b2c0',
      reason: 'buffer_full_dropped',
      count: 3,
      fromTs: 1,
      toTs: 2,
    });
    h.t.buffer.alerts.insertRaised({
      id: 'a1',
      key: 'storage:-:full',
      device: null,
      rule: 'storage',
      severity: 'critical',
      raisedAt: Date.now(),
      value: null,
      threshold: null,
      message: 'full',
    });
    h.sync.start();
    await h.until(() => h!.sync.stats().backlog.count === 0 && h!.t.buffer.alerts.unsyncedCount() === 0);
    expectExactlyOnce(h, 2500);
    const reqs = h.cloud.requests;
    // Alert changes and ledger entries are live: they go first, before the backlog of readings.
    expect(reqs.map((r) => r.readings)).toEqual([0, 1000, 1000, 500]);
    for (const r of reqs) {
      expect(r.contentEncoding).toBe('gzip');
      expect(r.idempotencyKey).toBe(r.batchId);
      if (r.readings > 0) expect(r.wireBytes).toBeLessThan(r.bodyBytes / 3);
      expect(r.outcome).toBe('committed');
    }
    const key = 'aicss-a1b2c0/1764400000/0';
    const sent = h.cloud.readings.get(key) as Reading;
    expect(sent).toMatchObject({ device: 'aicss-a1b2c0', seq: 0, voltageV: 126.4, lampInternal: true });
    expect(h.cloud.alerts.get('a1')).toMatchObject({ rule: 'storage', state: 'raised' });
    expect([...h.cloud.losses.values()]).toEqual([
      expect.objectContaining({ reason: 'buffer_full_dropped', count: 3 }),
    ]);
    expect(h.cloud.statuses.at(-1)).toMatchObject({ softwareVersion: 'test', configVersion: 0 });
    expect(h.cloud.statuses[1]!.backlogReadings).toBe(2500);
    expect(h.sync.stats()).toMatchObject({
      batchesSent: 4,
      readingsSynced: 2500,
      state: 'idle',
      pendingBatches: 0,
    });
  });

  it('keeps every request body within maxBatchBytes (uncompressed), status included; each reading, alert and loss once', async () => {
    const maxBatchBytes = 16 * 1024; // the smallest cap the config takes
    // A status report of 100 devices (~8 KB): the batch must leave room for it.
    const devices = Array.from({ length: 100 }, (_, i) => ({
      device: `aicss-status-${i}`,
      lastSeenAt: Date.now(),
      rejectedByCode: { crc_mismatch: i },
    }));
    h = await syncHarness(
      { maxBatchBytes, maxReadingsPerBatch: 5000 },
      { statusProvider: () => ({ rejectedByCode: { crc_mismatch: 4950 }, devices }) },
    );
    await h.store(0, 400); // backlog: many caps of JSON
    // Alert changes and loss entries that alone exceed the cap (non-ASCII text: bytes, not characters).
    for (let i = 0; i < 60; i++)
      h.t.buffer.alerts.insertRaised({
        id: `big-${i}`,
        key: `voltage_critical:aicss-a1b2c0:v${i}`,
        device: 'aicss-a1b2c0',
        rule: 'voltage_critical',
        severity: 'critical',
        raisedAt: Date.now(),
        value: 88,
        threshold: 110,
        message: `tensão 88 V na faixa crítica (fora de 110–135 V, PRODIST Módulo 8) — ${'é'.repeat(100)}`,
      });
    for (let i = 0; i < 60; i++)
      h.t.buffer.losses.record({
        device: `aicss-lost-${i}`,
        reason: 'buffer_full_dropped',
        count: i + 1,
        fromTs: 1,
        toTs: 2,
      });
    const oneReading = JSON.stringify(makeReading(0)).length;
    expect(400 * oneReading).toBeGreaterThan(8 * maxBatchBytes);
    h.sync.start();
    await h.until(() => h!.sync.stats().backlog.count === 0 && h!.t.buffer.alerts.unsyncedCount() === 0);
    await h.store(400, 200); // live: stored while the service runs
    void h.sync.syncNow();
    await h.until(() => h!.sync.stats().backlog.count === 0);

    expectExactlyOnce(h, 600);
    expect(h.cloud.alerts.size).toBe(60);
    expect([...h.cloud.losses.values()].reduce((a, l) => a + l.count, 0)).toBe((60 * 61) / 2);
    const reqs = h.cloud.requests;
    expect(reqs.every((r) => r.outcome === 'committed')).toBe(true);
    expect(reqs.reduce((a, r) => a + r.readings, 0)).toBe(600);
    for (const r of reqs) expect(r.bodyBytes).toBeLessThanOrEqual(maxBatchBytes);
    // The room was left for the status: every request carried it.
    expect(h.cloud.statuses).toHaveLength(reqs.length);
    // Batches are filled up to the cap, not cut needlessly small.
    const total = reqs.reduce((a, r) => a + r.bodyBytes, 0);
    expect(reqs.length).toBeLessThanOrEqual(Math.ceil(total / (maxBatchBytes / 2)));
  });

  it('outage (connection refused) then recovery: backs off, nothing lost, nothing duplicated', async () => {
    h = await syncHarness({ initialBackoffMs: 1000, maxBackoffMs: 8000, maxReadingsPerBatch: 2000 });
    await h.store(0, 3000);
    await h.cloud.setOutage('refuse');
    h.sync.start();
    await h.until(() => h!.sync.stats().batchesFailed >= 5, { stepMs: 250 });
    expect(h.sync.stats().state).toBe('backoff');
    expect(h.sync.stats().lastError).toMatch(/ECONNREFUSED/);
    await h.store(3000, 2000);
    await h.cloud.setOutage(null);
    await h.until(() => h!.sync.stats().backlog.count === 0, { stepMs: 250 });
    expectExactlyOnce(h, 5000);
    expect(h.cloud.requests.every((r) => r.outcome === 'committed')).toBe(true);
  });

  it('connections reset mid-request, and a COMMITTED batch whose answer was lost: the same key is replayed', async () => {
    h = await syncHarness({ initialBackoffMs: 500, maxBackoffMs: 2000, maxReadingsPerBatch: 1000 });
    await h.store(0, 2000);
    await h.cloud.setOutage('destroy');
    h.sync.start();
    await h.until(() => h!.sync.stats().batchesFailed >= 2, { stepMs: 100 });
    await h.cloud.setOutage(null);
    h.cloud.dropResponseNext(1);
    await h.until(() => h!.sync.stats().backlog.count === 0, { stepMs: 100 });
    expectExactlyOnce(h, 2000);
    const dropped = h.cloud.requests.find((r) => r.outcome === 'dropped_response')!;
    const replay = h.cloud.requests.find((r) => r.outcome === 'replayed')!;
    expect(replay.idempotencyKey).toBe(dropped.idempotencyKey);
  });

  it('a 5xx storm: retries with growing delays, then delivers', async () => {
    h = await syncHarness({ initialBackoffMs: 1000, maxBackoffMs: 60_000 });
    await h.store(0, 500);
    h.cloud.failNext(5, 503);
    h.sync.start();
    await h.until(() => h!.sync.stats().backlog.count === 0, { stepMs: 50 });
    expectExactlyOnce(h, 500);
    const at = h.cloud.requests.map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(h.cloud.requests.map((r) => r.outcome)).toEqual(['5xx', '5xx', '5xx', '5xx', '5xx', 'committed']);
    // Equal jitter with random() = 0.5 gives 0.75 × 1, 2, 4, 8, 16 s. Fake time also moves while the real
    // HTTP exchange runs, so a gap may be longer, never shorter: no retry comes early.
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(750 * 2 ** i);
    expect(new Set(h.cloud.requests.map((r) => r.idempotencyKey)).size).toBe(1);
  });

  it('401 (a wrong token): backs off without dead-lettering, raises sync_auth once, clears it when a batch gets through', async () => {
    h = await syncHarness({ token: 'revoked-token', initialBackoffMs: 1000, maxBackoffMs: 8000 });
    const sink = new CaptureSink();
    const engine = new AlertEngine({
      gatewayId: 'gw-test',
      config: AlertsConfig.parse({}),
      bus: h.t.bus,
      repo: h.t.buffer.alerts,
      kv: h.t.buffer.kv,
      log: silentLogger(),
      clock: () => Date.now(),
      sinks: [sink],
    });
    engine.start();
    h.alerts = engine;
    await h.store(0, 300);
    h.sync.start();
    await h.until(() => h!.cloud.requests.filter((r) => r.status === 401).length >= 4, { stepMs: 250 });
    expect(sink.raised('sync_auth')).toEqual([
      expect.objectContaining({ rule: 'sync_auth', severity: 'critical', device: null, value: 401 }),
    ]);
    expect(sink.raised('sync_auth')[0]!.message).toContain('sync.token');
    expect(h.t.buffer.deadLetters.list()).toEqual([]);
    expect(h.raised).toEqual([]);
    expect(h.t.buffer.store.backlog().count).toBe(300);
    expect(h.cloud.readings.size).toBe(0);

    h.cloud.setToken('revoked-token'); // the operator re-registered the gateway with this token
    await h.until(() => h!.sync.stats().backlog.count === 0, { stepMs: 250 });
    expectExactlyOnce(h, 300);
    expect(sink.cleared('sync_auth')).toHaveLength(1);
    expect(sink.raised('sync_auth')).toHaveLength(1);
    // The episode reaches the cloud too, through the shared AlertEvent schema the cloud validates with.
    void h.sync.syncNow();
    await h.until(() =>
      [...h!.cloud.alerts.values()].some((a) => a.rule === 'sync_auth' && a.state === 'cleared'),
    );
    await engine.stop();
  });

  it('429 with Retry-After: waits at least that long before the next attempt', async () => {
    h = await syncHarness({ initialBackoffMs: 1000 });
    await h.store(0, 100);
    h.cloud.rateLimitNext(1, 30);
    h.sync.start();
    await h.until(() => h!.sync.stats().backlog.count === 0, { stepMs: 500 });
    const [first, second] = h.cloud.requests;
    expect(first!.status).toBe(429);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(30_000);
    expectExactlyOnce(h, 100);
  });

  it('a 4xx batch goes to dead-letter with an alert and a loss entry; the next batches go on', async () => {
    h = await syncHarness({ maxReadingsPerBatch: 500 });
    await h.store(0, 2000);
    // readings 500…999 are the second batch; the cloud refuses it for good
    h.cloud.refuseBatches(
      (req) => (req.readings as Reading[]).some((r) => r.ts === makeTs(700)),
      400,
      'validation_failed',
    );
    h.sync.start();
    await h.until(
      () => h!.sync.stats().backlog.count === 0 && h!.t.buffer.losses.all().every((l) => l.synced),
    );
    expect(h.cloud.readings.size).toBe(1500);
    expect(h.sync.stats()).toMatchObject({ batchesDeadLettered: 1, batchesSent: 4 });
    const dead = h.t.buffer.deadLetters.list();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      kind: 'batch',
      httpStatus: 400,
      code: 'validation_failed',
      readingCount: 500,
    });
    expect(JSON.parse(dead[0]!.payload).readings).toHaveLength(500);
    expect(h.t.buffer.store.count()).toBe(1500);
    expect(h.raised).toEqual([expect.objectContaining({ rule: 'sync_dead_letter', severity: 'critical' })]);
    const losses = [...h.cloud.losses.values()];
    expect(losses.every((l) => l.reason === 'sync_refused')).toBe(true);
    expect(losses.reduce((a, l) => a + l.count, 0)).toBe(500);
  });

  it('per-row rejections in a 200 go to dead-letter, the rest is synced', async () => {
    h = await syncHarness();
    await h.store(0, 1000);
    h.cloud.rejectRows((r) =>
      (r as Reading).seq % 10 === 0 ? { code: 'unknown_device', message: 'not enrolled' } : undefined,
    );
    h.sync.start();
    await h.until(() => h!.sync.stats().backlog.count === 0);
    expect(h.cloud.readings.size).toBe(900);
    const dead = h.t.buffer.deadLetters.list(1000);
    expect(dead).toHaveLength(100);
    expect(dead.every((d) => d.kind === 'reading' && d.code === 'unknown_device')).toBe(true);
    expect(new Set(dead.map((d) => (JSON.parse(d.payload) as Reading).seq % 10))).toEqual(new Set([0]));
    expect(h.sync.stats().rowsRejected).toBe(100);
    expect(h.raised).toHaveLength(1);
  });

  it('restart mid-sync: the persisted batch is re-sent with the same Idempotency-Key, no duplicates', async () => {
    h = await syncHarness({ maxReadingsPerBatch: 1000, initialBackoffMs: 60_000 });
    await h.store(0, 3000);
    h.cloud.dropResponseNext(1);
    h.sync.start();
    await h.until(() => h!.sync.stats().batchesFailed === 1);
    const firstKey = h.cloud.requests[0]!.idempotencyKey;
    await h.restart();
    h.sync.start();
    await h.until(() => h!.sync.stats().backlog.count === 0);
    expect(h.cloud.requests[1]!.idempotencyKey).toBe(firstKey);
    expect(h.cloud.requests[1]!.outcome).toBe('replayed');
    expectExactlyOnce(h, 3000);
    expect(h.cloud.requests.filter((r) => r.outcome === 'committed')).toHaveLength(2);
  });

  it('config pushed by the cloud is applied once through onConfig and reported back', async () => {
    const applied: number[] = [];
    h = await syncHarness({ maxReadingsPerBatch: 100 }, { onConfig: (p) => void applied.push(p.version) });
    h.cloud.pushConfig({ version: 3, config: { alerts: { nominalVoltage: 220 } } });
    await h.store(0, 300);
    h.sync.start();
    await h.until(() => h!.sync.stats().backlog.count === 0);
    expect(applied).toEqual([3]);
    expect(h.sync.stats().configVersion).toBe(3);
    expect(h.cloud.statuses.at(-1)!.configVersion).toBe(3);
  });
});

function makeTs(i: number): number {
  return Date.UTC(2026, 10, 29, 12, 0, 0) + i * 100;
}
