import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignRollupTimes,
  type ChannelCounter,
  compareChain,
  foldReadings,
  type HourRollup,
  pairEnergy,
  type RollupReading,
} from '../../../../cloud/ingest/rollup-rules.ts';
import { BOARD_FLAGS } from '../../../../shared/schemas/reading.ts';

const R = BOARD_FLAGS.ENERGY_RESTORED;

describe('pairEnergy', () => {
  it('is the counter step within a boot', () => {
    expect(pairEnergy({ e: 100, boot: 1 }, { e: 112.5, boot: 1, flags: 0 })).toBe(12.5);
  });
  it('counts what the counter shows after a reset within a boot, never a negative step', () => {
    expect(pairEnergy({ e: 100, boot: 1 }, { e: 3, boot: 1, flags: 0 })).toBe(3);
  });
  it('counts from zero after a reboot that lost the counter', () => {
    expect(pairEnergy({ e: 100, boot: 1 }, { e: 2, boot: 2, flags: 0 })).toBe(2);
  });
  it('takes a counter that survived a reboot as continuing (the smaller reading)', () => {
    expect(pairEnergy({ e: 100, boot: 1 }, { e: 104, boot: 2, flags: 0 })).toBe(4);
  });
  it('gives 0, not the restored total, when a restored counter is behind', () => {
    expect(pairEnergy({ e: 100, boot: 1 }, { e: 97, boot: 2, flags: R })).toBe(0);
    expect(pairEnergy({ e: 100, boot: 1 }, { e: 103, boot: 2, flags: R })).toBe(3);
  });
});

const readingArb = fc.record({
  dt: fc.integer({ min: 1, max: 40 * 60_000 }),
  newBoot: fc.boolean(),
  /** On a new boot: its first record is stamped this much later (an arrival time; 0 = on time). */
  lateBy: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 * 24 * 3_600_000 })),
  restored: fc.boolean(),
  e1: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
  e2: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
  v: fc.option(
    fc.integer({ min: 1000, max: 1400 }).map((x) => x / 10),
    { nil: null },
  ),
  p1: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
  lamp: fc.boolean(),
});

type Step = typeof readingArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Readings at their true times; with `late`, the first record of each boot that has a second one carries a
 * late arrival stamp instead (as the gateway stamps an unsynced record delivered late). `te` is set.
 */
function sequence(steps: Step[], late = false): RollupReading[] {
  let ts = Date.UTC(2026, 0, 1);
  let boot = 1;
  let seq = 0;
  const out = steps.map((s, i) => {
    ts += s.dt;
    if (s.newBoot) {
      boot++;
      seq = 0;
    } else seq++;
    const hasSecond = steps[i + 1] !== undefined && !steps[i + 1]!.newBoot;
    const stamp = late && s.newBoot && hasSecond ? ts + s.lateBy : ts;
    return {
      ts: stamp,
      te: stamp,
      boot,
      seq,
      flags: s.restored ? R : 0,
      voltageV: s.v,
      powerW: [s.p1, null],
      energyWh: [s.e1, s.e2],
      lampInternal: s.lamp,
      lampExternal: null,
    };
  });
  assignRollupTimes(out);
  return out.sort(compareChain);
}

/** The merge addHourlyAndSaveStates does in SQL (sums, counts, min/max, element-wise energy). */
function mergeHours(a: HourRollup, b: HourRollup): HourRollup {
  const energyWh = Array.from(
    { length: Math.max(a.energyWh.length, b.energyWh.length) },
    (_, i) => (a.energyWh[i] ?? 0) + (b.energyWh[i] ?? 0),
  );
  const minOf = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.min(x, y));
  const maxOf = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.max(x, y));
  return {
    hourStart: a.hourStart,
    energyWh,
    voltageMin: minOf(a.voltageMin, b.voltageMin),
    voltageMax: maxOf(a.voltageMax, b.voltageMax),
    voltageSum: a.voltageSum + b.voltageSum,
    voltageCount: a.voltageCount + b.voltageCount,
    powerMaxW: maxOf(a.powerMaxW, b.powerMaxW),
    readingCount: a.readingCount + b.readingCount,
    lampInternalOn: a.lampInternalOn + b.lampInternalOn,
    lampExternalOn: a.lampExternalOn + b.lampExternalOn,
    firstTs: Math.min(a.firstTs, b.firstTs),
    lastTs: Math.max(a.lastTs, b.lastTs),
  };
}

/** Incremental: fold chunk after chunk onto the running counters, adding each chunk's hours. */
function foldInChunks(rs: RollupReading[], cuts: number[]): Map<number, HourRollup> {
  const counters: (ChannelCounter | null)[] = [];
  const out = new Map<number, HourRollup>();
  let from = 0;
  for (const to of [...cuts.filter((c) => c > 0 && c < rs.length).sort((a, b) => a - b), rs.length]) {
    for (const [h, agg] of foldReadings(counters, rs.slice(from, to))) {
      const old = out.get(h);
      out.set(h, old ? mergeHours(old, agg) : agg);
    }
    from = to;
  }
  return out;
}

describe('foldReadings', () => {
  it('hand-computed hour with a counter reset, a lost-counter reboot and a restored reboot', () => {
    const h = Date.UTC(2026, 0, 1, 10);
    const at = (min: number) => h + min * 60_000;
    const r = (min: number, boot: number, seq: number, e1: number, flags = 0): RollupReading => ({
      ts: at(min),
      te: at(min),
      boot,
      seq,
      flags,
      voltageV: 120 + min / 10,
      powerW: [min, 1],
      energyWh: [e1],
      lampInternal: min >= 30,
      lampExternal: null,
    });
    const rs = [
      r(0, 1, 0, 1000),
      r(10, 1, 1, 1010), // +10
      r(20, 1, 2, 1025), // +15
      r(25, 1, 3, 3), // reset within the boot: +3
      r(30, 1, 4, 8), // +5
      r(35, 2, 0, 2), // reboot, counter lost: +2
      r(40, 2, 1, 6), // +4
      r(45, 3, 0, 5, R), // restored but behind: 0
      r(50, 3, 1, 9), // +4
      r(55, 4, 0, 12, R), // restored, ahead: +3
      r(65, 4, 1, 20), // next hour: +8
    ];
    const hours = foldReadings([], rs);
    const first = hours.get(h)!;
    expect(first.energyWh).toEqual([46, 0]);
    expect(first.readingCount).toBe(10);
    expect(first.voltageMin).toBe(Math.fround(120));
    expect(first.voltageMax).toBe(Math.fround(125.5));
    expect(first.powerMaxW).toBe(56);
    expect(first.lampInternalOn).toBe(6);
    expect(hours.get(h + 3_600_000)!.energyWh).toEqual([8, 0]);
  });

  it('property: energy is never negative and chunked folding equals one fold', () => {
    fc.assert(
      fc.property(
        fc.array(readingArb, { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 6 }),
        (steps, cuts) => {
          const rs = sequence(steps, true);
          const whole = foldReadings([], rs);
          const chunked = foldInChunks(rs, cuts);
          expect([...chunked.keys()]).toEqual([...whole.keys()]);
          for (const [h, w] of whole) {
            const c = chunked.get(h)!;
            for (const e of w.energyWh) expect(e).toBeGreaterThanOrEqual(0);
            expect(c.energyWh.length).toBe(w.energyWh.length);
            c.energyWh.forEach((e, i) => {
              expect(e).toBeCloseTo(w.energyWh[i]!, 6);
            });
            expect({ ...c, energyWh: [], voltageSum: 0 }).toEqual({ ...w, energyWh: [], voltageSum: 0 });
            expect(c.voltageSum).toBeCloseTo(w.voltageSum, 3);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: total energy never exceeds the sum of counter increases plus values after drops', () => {
    fc.assert(
      fc.property(fc.array(readingArb, { minLength: 2, maxLength: 40 }), (steps) => {
        const rs = sequence(steps);
        const total = [...foldReadings([], rs).values()].reduce((a, h) => a + (h.energyWh[0] ?? 0), 0);
        let bound = 0;
        let prev: number | null = null;
        for (const r of rs) {
          const e = r.energyWh[0];
          if (e === null || e === undefined) continue;
          if (prev !== null) bound += e >= prev ? e - prev : e;
          prev = e;
        }
        expect(total).toBeLessThanOrEqual(bound + 1e-9);
        expect(total).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('rollup time', () => {
  const D = 86_400_000;
  const T = Date.UTC(2026, 5, 1, 12);
  const rec = (seq: number, ts: number, e1: number, boot = 7): RollupReading => ({
    ts,
    te: ts,
    boot,
    seq,
    flags: 0,
    voltageV: 127,
    powerW: [60],
    energyWh: [e1],
    lampInternal: true,
    lampExternal: null,
  });

  it('moves a late-stamped first record back to the next record of its boot, and only it', () => {
    const rs = [
      rec(0, T + 3 * D, 56_180),
      rec(1, T, 56_181),
      rec(2, T + 60_000, 56_182),
      rec(0, T - D, 9, 6),
    ];
    assignRollupTimes(rs);
    expect(rs.map((r) => r.te)).toEqual([T, T, T + 60_000, T - D]);
  });

  it('pairs a boot by seq: the late first record is neither a reset nor an hour of its own', () => {
    const rs = [rec(0, T + 3 * D, 56_180)];
    for (let s = 1; s <= 858; s++) rs.push(rec(s, T + s * 300_000, 56_180 + s * 0.4325));
    assignRollupTimes(rs);
    const hours = foldReadings([], rs.sort(compareChain));
    const total = [...hours.values()].reduce((a, h) => a + (h.energyWh[0] ?? 0), 0);
    expect(total).toBeCloseTo(858 * 0.4325, 6);
    expect(Math.max(...[...hours.values()].map((h) => h.energyWh[0] ?? 0))).toBeLessThan(6);
    expect(hours.has(Math.floor((T + 3 * D) / 3_600_000) * 3_600_000)).toBe(false);
  });

  it('lowers a record only by records numbered after it, not by a re-stamped copy of itself', () => {
    const rs = [rec(5, T + 1000, 1), rec(5, T, 1), rec(4, T + 2000, 1)];
    assignRollupTimes(rs);
    expect(rs.map((r) => r.te)).toEqual([T + 1000, T, T]);
  });

  it('property: late-stamped first records change no pair and add no hour', () => {
    fc.assert(
      fc.property(fc.array(readingArb, { minLength: 2, maxLength: 50 }), (steps) => {
        const onTime = foldReadings([], sequence(steps));
        const late = foldReadings([], sequence(steps, true));
        const sum = (m: Map<number, HourRollup>, c: number) =>
          [...m.values()].reduce((a, h) => a + (h.energyWh[c] ?? 0), 0);
        expect(sum(late, 0)).toBe(sum(onTime, 0));
        expect(sum(late, 1)).toBe(sum(onTime, 1));
        for (const h of late.keys()) expect(onTime.has(h)).toBe(true);
        const count = (m: Map<number, HourRollup>) => [...m.values()].reduce((a, h) => a + h.readingCount, 0);
        expect(count(late)).toBe(count(onTime));
      }),
      { numRuns: 300 },
    );
  });
});
