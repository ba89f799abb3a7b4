import { afterEach, describe, expect, it } from 'vitest';
import { readingKey } from '../../../../shared/schemas/reading.ts';
import { makeReading } from '../buffer/reading-fixture.ts';
import { type SyncHarness, syncHarness } from './sync-harness.ts';

let h: SyncHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('SyncService pacing', () => {
  it('drains a backlog at maxBytesPerSecond on the wire (fake time), with live data going first', async () => {
    const rate = 2048;
    h = await syncHarness({ maxBytesPerSecond: rate, liveWindowS: 5 });
    await h.store(0, 2000); // stored before the service started: backlog
    h.sync.start();
    await h.until(() => h!.cloud.requests.length >= 3, { stepMs: 100 });
    const live = makeReading(50_000);
    await h.t.buffer.committer.submit(live);
    void h.sync.syncNow(); // what the schedule does every interval
    await h.until(() => h!.sync.stats().backlog.count === 0, { stepMs: 100 });
    expect(h.cloud.readings.size).toBe(2001);

    const reqs = h.cloud.requests;
    const liveIndex = reqs.findIndex((r) => r.readings === 1);
    expect(liveIndex).toBeGreaterThan(1);
    expect(liveIndex).toBeLessThan(reqs.length - 3);
    expect(h.cloud.readings.has(readingKey(live))).toBe(true);

    const backlog = reqs.filter((_, i) => i !== liveIndex);
    const maxWire = Math.max(...backlog.map((r) => r.wireBytes));
    const windowMs = 5000;
    for (const r of backlog) {
      const inWindow = backlog.filter((x) => x.at >= r.at && x.at < r.at + windowMs);
      const bytes = inWindow.reduce((a, x) => a + x.wireBytes, 0);
      expect(bytes).toBeLessThanOrEqual(rate * (windowMs / 1000 + 1) + maxWire);
    }
    const total = backlog.reduce((a, x) => a + x.wireBytes, 0);
    const spanS = (backlog.at(-1)!.at - backlog[0]!.at) / 1000;
    expect(total).toBeGreaterThan(rate * 5); // the test is meaningful: several seconds of budget
    expect(spanS).toBeGreaterThanOrEqual((total - rate - maxWire) / rate - 0.5);
  });

  it('runs on the node-cron schedule, and at once when backlogTrigger readings are waiting', async () => {
    h = await syncHarness({ schedule: '*/10 * * * * *', backlogTrigger: 50 });
    await h.store(0, 10);
    h.sync.start();
    await h.until(() => h!.cloud.readings.size === 10, { stepMs: 10, maxFakeMs: 5000 });
    await h.store(10, 10);
    // Only the schedule can send these 10 (below backlogTrigger, no syncNow).
    await h.until(() => h!.cloud.readings.size === 20, { stepMs: 500, maxFakeMs: 60_000 });
    const before = Date.now();
    const nextTick = before - (before % 10_000) + 10_000;
    await h.store(20, 60);
    await h.until(() => h!.cloud.readings.size === 80, { stepMs: 1, maxFakeMs: 5000 });
    expect(Date.now()).toBeLessThan(nextTick); // sent by the trigger, before the schedule's next run
    expect(h.sync.stats().lastSuccessAt).not.toBeNull();
  });
});
