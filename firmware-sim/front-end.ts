import { BOARD_FLAGS } from '../shared/schemas/reading.ts';
import type { FaultState } from './fault-state.ts';
import { type ChannelMeasure, type LampSpec, lampOn, load, scaled, standby } from './lamp-circuits.ts';
import { NOMINAL_V } from './mains.ts';
import type { Rng } from './rng.ts';

/**
 * The board's metering front-end (voltage sensor + one CT per lamp circuit): what it reads given which lamps
 * are on, with the electrical faults applied — burnt lamp, over-current, CT clipping, zero-load noise,
 * wrong CT constant, no AC sensed.
 */

export interface FrontEndInput {
  v: number;
  on: readonly [boolean, boolean];
  lamps: readonly [LampSpec, LampSpec];
  faults: FaultState;
  rng: Rng;
}

export interface MeasuredChannel {
  currentA: number;
  powerW: number;
  apparentPowerVa: number;
  powerFactor?: number;
}

export interface FrontEndReading {
  /** Undefined when no AC is sensed (V_ABSENT). */
  voltageV?: number;
  channels: MeasuredChannel[];
  flags: number;
}

/** Where an SCT-013 at the ESP32 ADC's 11 dB range tops out (Mottramlabs/ESP32-4-Channel…#2): ~4.7 A. */
const CT_CLIP_A = 4.7;

export function measureCircuits(input: FrontEndInput): FrontEndReading {
  const { v, faults, rng } = input;
  let flags = 0;
  const burnt = faults.active('lamp-burnt');
  const over = faults.active('overcurrent');
  const clip = faults.active('ct-clip');
  const noise = faults.active('noise');
  const channels: ChannelMeasure[] = input.lamps.map((spec, ch) => {
    let m = input.on[ch] && !(burnt && burnt.params.ch === ch) ? lampOn(spec, v, rng) : standby(v, rng);
    if (noise && noise.params.ch === ch && !input.on[ch]) {
      const i = noise.params.i! + rng.normal(0, 0.01);
      const p = Math.max(0, noise.params.p! + rng.normal(0, 0.8));
      m = { currentA: i, powerW: p, apparentPowerVa: v * i, powerFactor: p / (v * i) };
    }
    if (over && over.params.ch === ch) m = load(v, over.params.i! + rng.normal(0, 0.1), over.params.pf!);
    if (clip && clip.params.ch === ch) {
      // The waveform's peaks are cut at the rail: RMS and power both read low.
      const readA = CT_CLIP_A * (1 + rng.normal(0, 0.004));
      m = load(v, Math.min(readA, clip.params.i!), clip.params.pf!);
      flags |= BOARD_FLAGS.CT_CLIPPED;
    }
    return m;
  });
  const scale = faults.active('scale');
  const scaledChannels = scale ? channels.map((m) => scaled(m, scale.params.k!)) : channels;
  if (faults.active('v-absent')) {
    // emon32 `a230`-style: no voltage reference, so power is apparent power at an assumed voltage.
    flags |= BOARD_FLAGS.V_ABSENT;
    return {
      channels: scaledChannels.map((m) => ({
        currentA: m.currentA,
        powerW: NOMINAL_V * m.currentA,
        apparentPowerVa: NOMINAL_V * m.currentA,
      })),
      flags,
    };
  }
  return {
    voltageV: v,
    channels: scaledChannels.map((m) => ({
      currentA: m.currentA,
      powerW: m.powerW,
      apparentPowerVa: m.apparentPowerVa,
      powerFactor: m.powerFactor,
    })),
    flags,
  };
}
