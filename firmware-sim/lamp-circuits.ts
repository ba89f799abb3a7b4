import type { Rng } from './rng.ts';

/**
 * The two metered lamp circuits (protocol.md §4: channel 1 = internal 60 W, channel 2 = external 100 W,
 * the AICSS cost table). What the CT + voltage front-end would read for one channel, before the board's
 * rounding: I = P/(V·PF), VA = V·I.
 */

export interface LampSpec {
  nominalW: number;
  /** Power factor when on: ~0.95 for an LED driver, ~1.0 for an incandescent/halogen lamp. */
  powerFactor: number;
  /** How power follows voltage: LED drivers regulate (≈0); a filament lamp's P ∝ V^1.55. */
  voltageExponent: number;
}

export const INTERNAL_LAMP: LampSpec = { nominalW: 60, powerFactor: 0.95, voltageExponent: 0.05 };
export const EXTERNAL_LAMP: LampSpec = { nominalW: 100, powerFactor: 1.0, voltageExponent: 1.55 };

export interface ChannelMeasure {
  currentA: number;
  powerW: number;
  apparentPowerVa: number;
  /** Undefined when it cannot be computed (no voltage sensed). */
  powerFactor: number;
}

/** A board's own lamp: a real bulb deviates a little from its label. */
export function instantiateLamp(spec: LampSpec, rng: Rng): LampSpec {
  return {
    nominalW: spec.nominalW * rng.uniform(0.97, 1.03),
    powerFactor: spec.powerFactor >= 0.999 ? 1 : spec.powerFactor + rng.uniform(-0.015, 0.015),
    voltageExponent: spec.voltageExponent,
  };
}

/** A lamp drawing power at voltage `v`. */
export function lampOn(spec: LampSpec, v: number, rng: Rng): ChannelMeasure {
  const p = spec.nominalW * (v / 127) ** spec.voltageExponent + rng.normal(0, 0.25);
  const pf = Math.min(1, spec.powerFactor + rng.normal(0, spec.powerFactor >= 0.999 ? 0.001 : 0.004));
  const va = p / pf;
  return { currentA: va / v, powerW: p, apparentPowerVa: va, powerFactor: pf };
}

/**
 * Nothing drawing: the CT still reads a few mA of noise (the EmonLib noise floor, protocol.md §3.2.5), which
 * the firmware reports as current with zero real power.
 */
export function standby(v: number, rng: Rng, noiseFloorA = 0.004): ChannelMeasure {
  const i = Math.abs(rng.normal(0, noiseFloorA));
  return { currentA: i, powerW: 0, apparentPowerVa: v * i, powerFactor: 0 };
}

/** A load at `currentA` and `pf` on this channel (fault loads: short, extra appliance). */
export function load(v: number, currentA: number, pf: number): ChannelMeasure {
  return { currentA, powerW: v * currentA * pf, apparentPowerVa: v * currentA, powerFactor: pf };
}

/** Scales everything the CT derives (a wrong calibration constant scales current and power alike). */
export function scaled(m: ChannelMeasure, k: number): ChannelMeasure {
  return { ...m, currentA: m.currentA * k, powerW: m.powerW * k, apparentPowerVa: m.apparentPowerVa * k };
}
