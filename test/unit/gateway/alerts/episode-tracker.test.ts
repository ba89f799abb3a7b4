import { describe, expect, it } from 'vitest';
import { EpisodeTracker, type Observation } from '../../../../gateway/alerts/episode-tracker.ts';
import { classifyVoltage } from '../../../../gateway/alerts/prodist.ts';

const obs = (breach: boolean, recovered: boolean, over: Partial<Observation> = {}): Observation => ({
  rule: 'over_current',
  device: 'd',
  subject: 'ch1',
  severity: 'warning',
  breach,
  recovered,
  value: 1,
  threshold: 1,
  describe: () => 'm',
  minDurationMs: 1000,
  ...over,
});

describe('EpisodeTracker', () => {
  it('raises only after the breach held the minimum duration without interruption', () => {
    const t = new EpisodeTracker();
    const allow = () => true;
    expect(t.observe('k', obs(true, false), 0, allow)).toBeUndefined();
    expect(t.observe('k', obs(false, false), 500, allow)).toBeUndefined(); // interrupted
    expect(t.observe('k', obs(true, false), 600, allow)).toBeUndefined();
    expect(t.observe('k', obs(true, false), 1500, allow)).toBeUndefined();
    expect(t.observe('k', obs(true, false), 1600, allow)).toMatchObject({ kind: 'raise' });
  });

  it('clears after recovery held the minimum duration, or at once when resolved', () => {
    const t = new EpisodeTracker();
    t.raised('k', 'id1');
    expect(t.observe('k', obs(false, true), 0, () => true)).toBeUndefined();
    expect(t.observe('k', obs(false, false), 500, () => true)).toBeUndefined(); // in the hysteresis band
    expect(t.observe('k', obs(false, true), 600, () => true)).toBeUndefined();
    expect(t.observe('k', obs(false, true), 1600, () => true)).toEqual({
      kind: 'clear',
      obs: expect.anything(),
      id: 'id1',
    });
    t.cleared('k');
    t.raised('k', 'id2');
    expect(t.observe('k', obs(true, false, { resolved: true }), 1700, () => true)).toMatchObject({
      kind: 'clear',
      id: 'id2',
    });
  });

  it('a held-back raise (storm cap) fires later if the breach still holds', () => {
    const t = new EpisodeTracker();
    let allow = false;
    expect(t.observe('k', obs(true, false, { minDurationMs: 0 }), 0, () => allow)).toBeUndefined();
    allow = true;
    expect(t.observe('k', obs(true, false, { minDurationMs: 0 }), 10, () => allow)).toMatchObject({
      kind: 'raise',
    });
  });
});

describe('PRODIST Módulo 8 voltage classes (220/127 V)', () => {
  it.each([
    [127, 117, 'adequate'],
    [127, 133, 'adequate'],
    [127, 116.9, 'precarious'],
    [127, 110, 'precarious'],
    [127, 135, 'precarious'],
    [127, 109.9, 'critical'],
    [127, 135.1, 'critical'],
    [220, 202, 'adequate'],
    [220, 231, 'adequate'],
    [220, 201.9, 'precarious'],
    [220, 233, 'precarious'],
    [220, 190.9, 'critical'],
    [220, 233.1, 'critical'],
  ] as const)('%i V nominal, %f V → %s', (nominal, v, cls) => {
    expect(classifyVoltage(v, nominal)).toBe(cls);
  });
});
