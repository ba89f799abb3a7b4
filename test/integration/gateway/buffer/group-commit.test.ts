import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Reading } from '../../../../shared/schemas/reading.ts';
import { makeReading, openTestBuffer, T0, type TestBuffer } from './reading-fixture.ts';

let t: TestBuffer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await t?.cleanup();
  t = undefined;
});

describe('GroupCommitter on a real SQLite file', () => {
  it('stores concurrent submits once each, in few transactions, and resolves only after COMMIT', async () => {
    t = await openTestBuffer({ groupCommit: { maxBatch: 500, minIntervalMs: 0 } });
    const { committer, store } = t.buffer;
    // A second connection sees only committed data: when a submit resolves, its row must be visible there.
    const reader = new Database(t.path, { readonly: true });
    const count = reader.prepare(
      'SELECT count(*) AS n FROM readings WHERE device = ? AND boot = ? AND seq = ?',
    );
    const visible: boolean[] = [];
    const n = 3000;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        committer.submit(makeReading(i)).then((res) => {
          const r = makeReading(i);
          if (i % 97 === 0) visible.push((count.get(r.device, r.boot, r.seq) as { n: number }).n === 1);
          return res;
        }),
      ),
    );
    reader.close();
    expect(results.every((r) => r === 'stored')).toBe(true);
    expect(visible.length).toBeGreaterThan(10);
    expect(visible.every(Boolean)).toBe(true);
    expect(store.count()).toBe(n);
    const st = committer.stats();
    expect(st.stored).toBe(n);
    expect(st.transactions).toBeLessThanOrEqual(Math.ceil(n / 500) + 1);
    expect(st.maxBatchSize).toBe(500);
  });

  it('dedupes on (device, boot, seq): within one transaction, across transactions, and across a reopen', async () => {
    t = await openTestBuffer();
    const { committer } = t.buffer;
    const r = makeReading(7);
    const same = await Promise.all([committer.submit(r), committer.submit({ ...r, voltageV: 120 })]);
    expect(same).toEqual(['stored', 'duplicate']);
    expect(await committer.submit(r)).toBe('duplicate');
    expect(await committer.submit({ ...r, seq: r.seq + 1 })).toBe('stored');
    expect(await committer.submit({ ...r, boot: r.boot + 1 })).toBe('stored');
    const dir = t.dir;
    await t.buffer.stop();
    t = await openTestBuffer({}, { dir });
    expect(await t.buffer.committer.submit(r)).toBe('duplicate');
    expect(t.buffer.store.count()).toBe(3);
  });

  it('emits bus "reading" after commit for stored readings only', async () => {
    t = await openTestBuffer();
    const { committer, store } = t.buffer;
    const seen: Array<{ key: string; countAtEmit: number }> = [];
    t.bus.on('reading', (r: Reading) =>
      seen.push({ key: `${r.device}/${r.seq}`, countAtEmit: store.count() }),
    );
    await Promise.all([
      committer.submit(makeReading(1)),
      committer.submit(makeReading(2)),
      committer.submit(makeReading(1)),
    ]);
    expect(seen.map((s) => s.key)).toEqual([
      `${makeReading(1).device}/${makeReading(1).seq}`,
      `${makeReading(2).device}/${makeReading(2).seq}`,
    ]);
    expect(seen.every((s) => s.countAtEmit === 2)).toBe(true);
  });

  it('keeps the newest (boot, seq) per device for the ingest tracker, and the backlog', async () => {
    t = await openTestBuffer();
    const { committer, store } = t.buffer;
    const base = makeReading(0, { device: 'dev-a', boot: 100, seq: 5, uptimeS: 50 });
    await committer.submit(base);
    await committer.submit({ ...base, seq: 3 }); // a late replay of an older record
    await committer.submit({ ...base, boot: 90, seq: 99 }); // an older boot
    expect(store.lastReadingPerDevice()).toEqual([
      { device: 'dev-a', boot: 100, seq: 5, ts: base.ts, uptimeS: 50 },
    ]);
    await committer.submit({ ...base, boot: 200, seq: 0, uptimeS: 2, ts: base.ts + 1000 });
    expect(store.lastReadingPerDevice()[0]).toMatchObject({ boot: 200, seq: 0, uptimeS: 2 });
    expect(store.backlog()).toEqual({ count: 4, oldestTs: base.ts });
  });

  it('commits at once after a quiet period, and at most once per minIntervalMs while readings keep coming', async () => {
    let now = T0;
    t = await openTestBuffer({ groupCommit: { maxBatch: 1000, minIntervalMs: 10 } }, { clock: () => now });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const { committer } = t.buffer;
    const settled: string[] = [];
    const submit = (i: number) =>
      committer.submit(makeReading(i)).then((r) => {
        settled.push(`${i}:${r}`);
      });

    void submit(1); // quiet buffer: next turn of the event loop, no wait
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toEqual(['1:stored']);
    expect(committer.stats().transactions).toBe(1);

    now += 2; // 2 ms after that commit began: these wait for the interval, and share one commit
    void submit(2);
    void submit(3);
    await vi.advanceTimersByTimeAsync(7);
    expect(settled).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toEqual(['1:stored', '2:stored', '3:stored']);
    expect(committer.stats()).toMatchObject({ transactions: 2, lastBatchSize: 2 });

    now -= 3_600_000; // the wall clock set back an hour: a reading still waits one interval at most
    void submit(4);
    await vi.advanceTimersByTimeAsync(10);
    expect(settled).toContain('4:stored');
  });

  it('commits what is queued on stop and refuses submits afterwards', async () => {
    t = await openTestBuffer({ groupCommit: { maxBatch: 1000, minIntervalMs: 50 } });
    const { committer, store } = t.buffer;
    const pending = [committer.submit(makeReading(1)), committer.submit(makeReading(2))];
    await committer.stop();
    expect(await Promise.all(pending)).toEqual(['stored', 'stored']);
    expect(store.count()).toBe(2);
    await expect(committer.submit(makeReading(3))).rejects.toMatchObject({ code: 'unavailable' });
  });
});
