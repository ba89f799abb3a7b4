import { describe, expect, it } from 'vitest';
import { lampLogic } from '../../../firmware-sim/lamp-logic.ts';
import { collectEvents } from '../../../firmware-sim/render.ts';
import { decodeEach, HOUR, sim, T0 } from './sim-test-helpers.ts';

describe('lamp logic (original firmware, protocol.md §1.2)', () => {
  const cases: [
    ldr: number,
    dist: number | undefined,
    legacy: boolean,
    internal: boolean,
    external: boolean,
  ][] = [
    [1999, 99, false, true, true],
    [1999, 100, false, false, true],
    [1999, 250, false, false, true],
    [2000, 99, false, false, false],
    [2000, 100, false, false, false],
    [4000, 30, false, false, false],
    [0, 50, false, true, true],
    [1999, undefined, false, false, true], // AICSS/1 knows a timeout is not presence
    [1999, undefined, true, true, true], // the original reads the timeout as 0 cm = presence
    [1999, 0, true, true, true],
    [2500, undefined, true, false, false],
  ];
  it.each(cases)(
    'ldr %i, dist %s, legacy %s → internal %s, external %s',
    (ldr, dist, legacy, internal, external) => {
      expect(lampLogic({ ldr, distCm: dist, legacy })).toEqual({ internal, external });
    },
  );

  it('honours changed thresholds (LdrThreshold / DistThreshold commands)', () => {
    expect(
      lampLogic({ ldr: 2500, distCm: 140, legacy: false, ldrThreshold: 3000, distThresholdCm: 150 }),
    ).toEqual({
      internal: true,
      external: true,
    });
  });

  it('drives every simulated record: led_ext = ldr < 2000, led_in = dark and dist < 100', () => {
    const decoded = decodeEach(
      collectEvents(sim({ seed: 'lamps', boards: 2, telePeriodS: 120 }), T0 + 72 * HOUR),
    );
    expect(decoded.length).toBeGreaterThan(4000);
    let inOn = 0;
    let extOn = 0;
    let extOff = 0;
    for (const { obs } of decoded) {
      const dark = obs.lightRaw! < 2000;
      expect(obs.lampExternal).toBe(dark);
      expect(obs.lampInternal).toBe(dark && obs.distanceCm !== undefined && obs.distanceCm < 100);
      if (obs.lampInternal) inOn++;
      if (obs.lampExternal) extOn++;
      else extOff++;
    }
    // Three days: nights, days, and evening presence all happen.
    expect(inOn).toBeGreaterThan(20);
    expect(extOn).toBeGreaterThan(1000);
    expect(extOff).toBeGreaterThan(1000);
  });

  it('puts the measured power where the lamps are: ~60 W internal at PF ~0.95, ~100 W external at PF ~1', () => {
    const decoded = decodeEach(
      collectEvents(sim({ seed: 'power', boards: 2, telePeriodS: 120 }), T0 + 48 * HOUR),
    );
    for (const { obs } of decoded) {
      const [c1, c2] = obs.channels;
      const v = obs.voltageV!;
      expect(v).toBeGreaterThanOrEqual(117);
      expect(v).toBeLessThanOrEqual(133);
      if (obs.lampInternal) {
        expect(c1!.powerW).toBeGreaterThan(55);
        expect(c1!.powerW).toBeLessThan(65);
        expect(c1!.powerFactor).toBeGreaterThan(0.9);
        expect(c1!.powerFactor).toBeLessThan(0.99);
        // I = P / (V·PF), to the 3 decimals printed.
        expect(c1!.currentA!).toBeCloseTo(c1!.powerW! / (v * c1!.powerFactor!), 1);
      } else {
        expect(c1!.powerW).toBe(0);
        expect(c1!.currentA).toBeLessThan(0.03); // CT noise floor
      }
      if (obs.lampExternal) {
        expect(c2!.powerW).toBeGreaterThan(85);
        expect(c2!.powerW).toBeLessThan(115);
        expect(c2!.powerFactor).toBeGreaterThanOrEqual(0.99);
      } else expect(c2!.powerW).toBe(0);
    }
  });
});
