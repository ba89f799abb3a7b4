import { BOARD_FLAGS, type Reading } from '../../../shared/schemas/reading.ts';
import type { AlertsConfig } from '../../config/core-config.ts';
import type { Observation } from '../episode-tracker.ts';
import { PRODIST_BANDS } from '../prodist.ts';

/**
 * Rules evaluated on each committed reading. Each returns observations for the episode tracker; a value
 * the board did not report (absent field, V_ABSENT) gives no observation, so an unknown value neither
 * raises nor clears.
 *
 * `watching` says whether the device has any pending or active episode. When it has none, only a breach
 * can change something, so a rule whose subjects are all within limits returns `NONE` without building
 * observations: the rules run on every reading, and on a healthy site nothing is in breach.
 */

export type ReadingRule = (r: Reading, cfg: AlertsConfig, watching: boolean) => readonly Observation[];

/** No observations (shared, never written to). */
export const NONE: readonly Observation[] = Object.freeze([]);

const s = (seconds: number) => seconds * 1000;

function describePrecarious(o: Observation): string {
  const [lo, hi] = PRODIST_BANDS[o.nominal as 127 | 220].adequate;
  return `voltage ${o.value} V outside the adequate band ${lo}–${hi} V (PRODIST Módulo 8, nominal ${o.nominal} V)`;
}

function describeCritical(o: Observation): string {
  const [lo, hi] = PRODIST_BANDS[o.nominal as 127 | 220].precarious;
  return `voltage ${o.value} V in the critical band (outside ${lo}–${hi} V, PRODIST Módulo 8, nominal ${o.nominal} V)`;
}

function describeOverCurrent(o: Observation): string {
  return `channel ${o.subject.slice(2)} current ${o.value} A above ${o.threshold} A`;
}

function describeLampFailure(o: Observation): string {
  return `${o.subject} lamp commanded on but draws ${o.value ?? '?'} W (< ${o.threshold} W)`;
}

function describeLightWasted(o: Observation): string {
  return `${o.subject} lamp on in daylight (LDR ${o.value} ≥ ${o.threshold})`;
}

function describeSensorFault(o: Observation): string {
  return `sensor fault ${o.subject} persists`;
}

export function voltageRule(r: Reading, cfg: AlertsConfig, watching: boolean): readonly Observation[] {
  const v = r.voltageV;
  if (v === undefined || r.flags & BOARD_FLAGS.V_ABSENT) return NONE;
  const nominal = cfg.devices[r.device]?.nominalVoltage ?? cfg.nominalVoltage;
  const bands = PRODIST_BANDS[nominal];
  // The adequate band lies inside the precarious one: a voltage within it breaches neither rule.
  if (!watching && v >= bands.adequate[0] && v <= bands.adequate[1]) return NONE;
  const h = cfg.voltage.hysteresisV;
  const minDurationMs = s(cfg.voltage.minDurationS);
  const band = (lo: number, hi: number) => ({
    breach: v < lo || v > hi,
    recovered: v >= lo + h && v <= hi - h,
    threshold: v < (lo + hi) / 2 ? lo : hi,
  });
  const adequate = band(...bands.adequate);
  const precarious = band(...bands.precarious);
  return [
    {
      rule: 'voltage_precarious',
      device: r.device,
      subject: 'v',
      severity: 'warning',
      ...adequate,
      value: v,
      nominal,
      describe: describePrecarious,
      minDurationMs,
    },
    {
      rule: 'voltage_critical',
      device: r.device,
      subject: 'v',
      severity: 'critical',
      ...precarious,
      value: v,
      nominal,
      describe: describeCritical,
      minDurationMs,
    },
  ];
}

const CHANNEL_NAMES = ['1', '2', '3', '4', '5', '6', '7', '8'];

export function overCurrentRule(r: Reading, cfg: AlertsConfig, watching: boolean): readonly Observation[] {
  let out: Observation[] | undefined;
  const c = cfg.overCurrent;
  for (let i = 0; i < r.channels.length; i++) {
    const a = r.channels[i]!.currentA;
    if (a === undefined) continue;
    const n = i + 1;
    const limit =
      c.perChannelA[CHANNEL_NAMES[i] ?? String(n)] ?? cfg.devices[r.device]?.maxCurrentA ?? c.maxA;
    if (!watching && a <= limit) continue;
    out ??= [];
    out.push({
      rule: 'over_current',
      device: r.device,
      subject: `ch${n}`,
      severity: 'warning',
      breach: a > limit,
      recovered: a <= limit - c.hysteresisA,
      value: a,
      threshold: limit,
      describe: describeOverCurrent,
      minDurationMs: s(c.minDurationS),
    });
  }
  return out ?? NONE;
}

const LAMPS = [
  { subject: 'internal', on: (r: Reading) => r.lampInternal, channel: 0 },
  { subject: 'external', on: (r: Reading) => r.lampExternal, channel: 1 },
] as const;

/** Lamp commanded on but its circuit draws (almost) nothing: a blown lamp or an open circuit. */
export function lampFailureRule(r: Reading, cfg: AlertsConfig, watching: boolean): readonly Observation[] {
  let out: Observation[] | undefined;
  const c = cfg.lampFailure;
  for (const lamp of LAMPS) {
    const on = lamp.on(r);
    if (on === undefined) continue;
    const p = r.channels[lamp.channel]?.powerW;
    if (on && p === undefined) continue;
    if (!watching && !(on && p !== undefined && p < c.minPowerW)) continue;
    out ??= [];
    out.push({
      rule: 'lamp_failure',
      device: r.device,
      subject: lamp.subject,
      severity: 'warning',
      breach: on && p !== undefined && p < c.minPowerW,
      recovered: p !== undefined && p >= c.minPowerW + c.hysteresisW,
      resolved: !on,
      value: p ?? null,
      threshold: c.minPowerW,
      describe: describeLampFailure,
      minDurationMs: s(c.minDurationS),
    });
  }
  return out ?? NONE;
}

/** Lamp on while the LDR sees daylight. */
export function lightWastedRule(r: Reading, cfg: AlertsConfig, watching: boolean): readonly Observation[] {
  const l = r.lightRaw;
  if (l === undefined || r.flags & BOARD_FLAGS.LDR_SATURATED) return NONE;
  const c = cfg.lightWasted;
  if (!watching && l < c.ldrThreshold) return NONE;
  let out: Observation[] | undefined;
  for (const lamp of LAMPS) {
    const on = lamp.on(r);
    if (on === undefined) continue;
    if (!watching && !on) continue;
    out ??= [];
    out.push({
      rule: 'light_wasted',
      device: r.device,
      subject: lamp.subject,
      severity: 'info',
      breach: on && l >= c.ldrThreshold,
      recovered: l < c.ldrThreshold - c.hysteresis,
      resolved: !on,
      value: l,
      threshold: c.ldrThreshold,
      describe: describeLightWasted,
      minDurationMs: s(c.minDurationS),
    });
  }
  return out ?? NONE;
}

/** A board fault flag that persists (a flag seen once is noise; one that stays is a broken sensor). */
export function sensorFaultRule(r: Reading, cfg: AlertsConfig, watching: boolean): readonly Observation[] {
  const c = cfg.sensorFault;
  if (!watching && (r.flags & 0xffff) === 0) return NONE;
  return c.flags.map((name) => {
    const set = (r.flags & BOARD_FLAGS[name]) !== 0;
    return {
      rule: 'sensor_fault',
      device: r.device,
      subject: name,
      severity: name === 'METER_COMM_FAIL' ? 'critical' : 'warning',
      breach: set,
      recovered: !set,
      value: null,
      threshold: null,
      describe: describeSensorFault,
      minDurationMs: s(c.minDurationS),
    } satisfies Observation;
  });
}

export const READING_RULES: readonly ReadingRule[] = [
  voltageRule,
  overCurrentRule,
  lampFailureRule,
  lightWastedRule,
  sensorFaultRule,
];
