import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayBuffer } from '../../../../gateway/buffer/create-buffer.ts';
import { makeReading, openTestBuffer, T0, type TestBuffer } from './reading-fixture.ts';

const MiB = 1024 * 1024;
let t: TestBuffer | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function fill(buffer: GatewayBuffer, from: number, n: number) {
  const out = { stored: 0, refused: 0, duplicate: 0 };
  for (let s = from; s < from + n; s += 500) {
    const res = await Promise.all(
      Array.from({ length: Math.min(500, from + n - s) }, (_, k) =>
        buffer.committer.submit(makeReading(s + k)),
      ),
    );
    for (const r of res) out[r]++;
  }
  return out;
}

/** Marks every stored reading synced, as the sync does after the cloud's COMMIT. */
function markAllSynced(buffer: GatewayBuffer, at: number) {
  const max = buffer.store.maxId();
  buffer.db.transaction(() => {
    buffer.store.assignBatch(1, 0, max);
    buffer.store.markBatchSynced(1, 0, max, at);
  })();
}

describe('bounded disk', () => {
  it('drop-oldest-unsynced: stays under the cap, keeps the newest, and records every drop in the ledger', async () => {
    t = await openTestBuffer({ maxBytes: MiB, fullPolicy: 'drop-oldest-unsynced' });
    const { buffer } = t;
    const total = 15_000;
    const res = await fill(buffer, 0, total);
    expect(res.stored).toBe(total);
    const kept = buffer.store.count();
    expect(kept).toBeLessThan(total);
    expect(buffer.store.usedBytes()).toBeLessThanOrEqual(MiB * 1.05);
    const ledger = buffer.losses.all();
    expect(ledger.every((l) => l.reason === 'buffer_full_dropped')).toBe(true);
    const dropped = ledger.reduce((a, l) => a + l.count, 0);
    expect(dropped).toBe(total - kept);
    expect(new Set(ledger.map((l) => l.device)).size).toBe(10);
    // The oldest went first: the earliest dropped reading is reading 0, the newest is kept.
    expect(Math.min(...ledger.map((l) => l.fromTs ?? Number.POSITIVE_INFINITY))).toBe(T0);
    expect(buffer.store.backlog().count).toBe(kept);
    expect(buffer.store.backlog().oldestTs).toBeGreaterThan(T0);
    const newest = makeReading(total - 1);
    expect(await buffer.committer.submit(newest)).toBe('duplicate');
    expect(buffer.policy.state()).toMatchObject({ full: true, droppedUnsynced: dropped });
  });

  it('drops the oldest already-synced readings first, without a ledger entry', async () => {
    t = await openTestBuffer({ maxBytes: MiB, fullPolicy: 'drop-oldest-unsynced' });
    const { buffer } = t;
    await fill(buffer, 0, 4000);
    markAllSynced(buffer, T0);
    await fill(buffer, 4000, 4000);
    expect(buffer.losses.all()).toEqual([]);
    expect(buffer.policy.state().droppedSynced).toBeGreaterThan(0);
    expect(buffer.store.backlog().count).toBe(4000);
  });

  it('refuse: refuses new readings once full, records them in the ledger, and accepts again after a sync', async () => {
    t = await openTestBuffer({ maxBytes: MiB, fullPolicy: 'refuse' });
    const { buffer } = t;
    const res = await fill(buffer, 0, 8000);
    expect(res.refused).toBeGreaterThan(0);
    expect(res.stored + res.refused).toBe(8000);
    expect(buffer.store.count()).toBe(res.stored);
    expect(buffer.store.usedBytes()).toBeLessThanOrEqual(MiB);
    const ledger = buffer.losses.all();
    expect(ledger.every((l) => l.reason === 'buffer_full_refused')).toBe(true);
    expect(ledger.reduce((a, l) => a + l.count, 0)).toBe(res.refused);
    expect(buffer.committer.stats().refused).toBe(res.refused);
    // Nothing stored was dropped to make room.
    expect(buffer.store.backlog().oldestTs).toBe(T0);
    markAllSynced(buffer, T0);
    expect(await buffer.committer.submit(makeReading(20_000))).toBe('stored');
  });

  it('retention deletes synced readings older than retentionDays, never unsynced ones', async () => {
    let now = T0;
    t = await openTestBuffer({ retentionDays: 1 }, { clock: () => now });
    const { buffer } = t;
    await fill(buffer, 0, 1000);
    buffer.db.transaction(() => {
      buffer.store.assignBatch(1, 0, 600);
      buffer.store.markBatchSynced(1, 0, 600, T0);
    })();
    now = T0 + 2 * 86_400_000;
    const out = buffer.housekeeper.runOnce();
    expect(out.retention).toBe(600);
    expect(buffer.store.count()).toBe(400);
    expect(buffer.store.backlog().count).toBe(400);
    expect(buffer.losses.all()).toEqual([]);
  });
});
