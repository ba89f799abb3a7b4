import { describe, expect, it } from 'vitest';
import { EnergyMeter } from '../../../firmware-sim/energy-meter.ts';
import { collectEvents, renderSerial } from '../../../firmware-sim/render.ts';
import { BOARD_FLAGS as F } from '../../../shared/schemas/reading.ts';
import { ch, decodeEach, decodeSerial, HOUR, sim, T0 } from './sim-test-helpers.ts';

describe('energy counters (NVS-persisted)', () => {
  it('never go backwards across brownouts, hangs and watchdog resets, and restore with ENERGY_RESTORED', () => {
    const s = sim({ seed: 'energy', boards: 2, faults: 'brownout:0.02,hang:0.005' });
    const decoded = decodeEach(collectEvents(s, T0 + 24 * HOUR));
    const last = new Map<string, number[]>();
    let reboots = 0;
    for (const { ev, obs } of decoded) {
      const e = [ch(obs, 0).energyWh!, ch(obs, 1).energyWh!];
      const prev = last.get(ev.device);
      if (prev) {
        expect(e[0]).toBeGreaterThanOrEqual(prev[0]!);
        expect(e[1]).toBeGreaterThanOrEqual(prev[1]!);
      }
      if (obs.resetReason !== undefined && prev) {
        reboots++;
        // Restored from NVS: the last value sent plus what the lamps drew until the power went (≤ 1 period).
        expect(e[0]! - prev[0]!).toBeLessThanOrEqual(2);
        expect(e[1]! - prev[1]!).toBeLessThanOrEqual(3);
        expect(obs.boardFlags & F.ENERGY_RESTORED).toBe(F.ENERGY_RESTORED);
      }
      if (obs.resetReason === undefined) expect(obs.boardFlags & F.ENERGY_RESTORED).toBe(0);
      last.set(ev.device, e);
    }
    expect(reboots).toBeGreaterThan(10);
  });

  it('grow by the energy the lamps drew: ΔE ≈ Σ P·Δt per channel', () => {
    const decoded = decodeEach(collectEvents(sim({ seed: 'integrate' }), T0 + 48 * HOUR));
    for (const c of [0, 1] as const) {
      let expected = 0;
      for (let i = 1; i < decoded.length; i++) {
        const dt = decoded[i]!.ev.atMs - decoded[i - 1]!.ev.atMs;
        expected += (ch(decoded[i - 1]!.obs, c).powerW! * dt) / 3_600_000;
      }
      const actual = ch(decoded.at(-1)!.obs, c).energyWh! - ch(decoded[0]!.obs, c).energyWh!;
      expect(expected).toBeGreaterThan(c === 0 ? 10 : 1000); // two nights of lamps
      expect(Math.abs(actual - expected)).toBeLessThan(2 + expected * 0.01);
    }
  });

  it('keeps Today/Yesterday by local day and Period since the last message', () => {
    const m = new EnergyMeter([1000, 2000], '2024-01-01T00:00:00Z');
    m.observeDay(100);
    m.integrate([60, 100], 3_600_000);
    expect(m.todayWh()).toEqual([60, 100]);
    expect(m.takePeriodWh()).toEqual([60, 100]);
    m.integrate([60, 0], 1_800_000);
    expect(m.takePeriodWh()).toEqual([30, 0]);
    m.observeDay(101);
    expect(m.yesterdayWh()).toEqual([90, 100]);
    expect(m.todayWh()).toEqual([0, 0]);
    expect(m.counters()).toEqual([1090, 2100]);
    m.rollover();
    expect(m.counters()).toEqual([0, 0]);
  });
});

describe('boot behaviour', () => {
  it('announces every boot with the banner before the first record (MSG 0, rst, up:2, t:0)', async () => {
    const bytes = renderSerial(sim({ seed: 'boot', boards: 2, faults: 'brownout:0.02' }), T0 + 6 * HOUR);
    const results = await decodeSerial(bytes);
    let banners = 0;
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.ok && r.kind === 'diagnostic') {
        banners++;
        expect(r.banner?.firmware).toBe('1.0.0');
        expect(r.banner?.device).toMatch(/^aicss-[0-9a-f]{6}$/);
      }
      if (r.ok && r.kind === 'observation' && r.observation.resetReason !== undefined) {
        expect(r.observation.seq).toBe(0);
        expect(r.observation.uptimeS).toBe(2);
        expect(r.observation.epochS).toBe(0);
        // The DHT22 is not ready 2 s after power-up.
        expect(r.observation.boardFlags & F.TEMP_FAIL).toBe(F.TEMP_FAIL);
      }
    }
    expect(banners).toBeGreaterThan(4);
  });

  it('counts MSG up by one per record and stamps t once the clock has synced', () => {
    const decoded = decodeEach(collectEvents(sim({ seed: 'seq', telePeriodS: 10 }), T0 + HOUR));
    decoded.forEach(({ obs, ev }, i) => {
      expect(obs.seq).toBe(i);
      expect(obs.uptimeS).toBe(2 + i * 10);
      if (i > 0) expect(obs.epochS).toBe(Math.floor(ev.atMs / 1000));
    });
  });
});
