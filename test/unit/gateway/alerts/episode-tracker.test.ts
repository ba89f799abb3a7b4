import { describe, expect, it } from 'vitest';
import { alertKey, EpisodeTracker, type Observation } from '../../../../gateway/alerts/episode-tracker.ts';
import { classifyVoltage } from '../../../../gateway/alerts/prodist.ts';
import {
  lampFailureRule,
  NONE,
  READING_RULES,
  voltageRule,
} from '../../../../gateway/alerts/rules/reading-rules.ts';
import { AlertsConfig } from '../../../../gateway/config/core-config.ts';
import type { Reading } from '../../../../shared/schemas/reading.ts';

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

describe('which devices the tracker is watching', () => {
  it('counts pending and active episodes per device, through breach, raise, clear and restore', () => {
    const t = new EpisodeTracker();
    const k1 = alertKey('over_current', 'dev-1', 'ch1');
    const k2 = alertKey('lamp_failure', 'dev-1', 'internal');
    const gw = alertKey('storage', null, 'full');
    expect(t.watching('dev-1')).toBe(false);
    t.observe(k1, obs(true, false, { device: 'dev-1' }), 0, () => true); // pending
    t.observe(gw, obs(true, false, { device: null }), 0, () => true);
    expect(t.watching('dev-1')).toBe(true);
    t.raised(k1, 'id1');
    t.restore(k2, 'id2');
    t.cleared(k1);
    expect(t.watching('dev-1')).toBe(true);
    t.cleared(k2);
    expect(t.watching('dev-1')).toBe(false);
    t.observe(k1, obs(true, false, { device: 'dev-1' }), 0, () => true);
    t.observe(k1, obs(false, true, { device: 'dev-1' }), 10, () => true); // breach interrupted: dropped
    expect(t.watching('dev-1')).toBe(false);
    expect(t.watching('-')).toBe(false);
  });

  const cfg = AlertsConfig.parse({});
  const healthy: Reading = {
    device: 'dev-1',
    boot: 1,
    seq: 1,
    ts: 1_731_616_535_000,
    timeQuality: 'board',
    receivedAt: 1_731_616_535_000,
    source: 'mqtt',
    voltageV: 127,
    channels: [
      { currentA: 0.5, powerW: 60 },
      { currentA: 0.8, powerW: 100 },
    ],
    lightRaw: 100,
    lampInternal: true,
    lampExternal: false,
    flags: 0,
  };

  it('rules build nothing for a healthy reading of an unwatched device, and every subject when watched', () => {
    for (const rule of READING_RULES) expect(rule(healthy, cfg, false)).toBe(NONE);
    expect(voltageRule(healthy, cfg, true).map((o) => o.rule)).toEqual([
      'voltage_precarious',
      'voltage_critical',
    ]);
    expect(lampFailureRule(healthy, cfg, true).map((o) => o.subject)).toEqual(['internal', 'external']);
  });

  it('a breach is reported whether or not the device is watched', () => {
    const low = { ...healthy, voltageV: 100, channels: [{ currentA: 0, powerW: 0 }] };
    expect(voltageRule(low, cfg, false).filter((o) => o.breach)).toHaveLength(2);
    expect(lampFailureRule(low, cfg, false)).toMatchObject([{ subject: 'internal', breach: true }]);
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
