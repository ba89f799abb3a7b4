import { hashString, type Rng, valueNoise } from './rng.ts';

/**
 * Mains at the board: 127 V / 60 Hz (the 220/127 V networks of São Paulo). The voltage sags a little
 * in the evening peak and rises at night, drifts with the feeder's load and jitters per reading; it stays
 * inside the PRODIST Module 8 "adequate" band for 127 V (117–133 V) unless a sag/swell fault pushes it out.
 */

export const NOMINAL_V = 127;
export const NOMINAL_HZ = 60;

/** PRODIST Module 8, table for 220/127 V: adequate 117 ≤ V ≤ 133; precarious to 110 / 135; critical beyond. */
export const PRODIST_127 = {
  adequateMin: 117,
  adequateMax: 133,
  precariousMin: 110,
  precariousMax: 135,
} as const;

/** Feeder load shape by local hour: volts relative to nominal (evening peak lowest). */
function diurnalOffsetV(localHour: number): number {
  const evening = Math.exp(-(((localHour - 19.5) / 2.2) ** 2));
  const night = Math.exp(-(((localHour - 3.5) / 2.5) ** 2));
  const midday = Math.exp(-(((localHour - 13) / 3) ** 2));
  return -2.6 * evening + 1.8 * night - 0.8 * midday;
}

export class Mains {
  readonly #seed: number;
  readonly #rng: Rng;
  /** This board's position on the feeder: boards far from the transformer see less voltage. */
  readonly #feederOffsetV: number;

  constructor(seed: string, rng: Rng) {
    this.#seed = hashString(`${seed}/mains`)[0];
    this.#rng = rng;
    this.#feederOffsetV = rng.uniform(-1.5, 1.2);
  }

  voltage(utcMs: number, localHour: number): number {
    const drift = 2.4 * (valueNoise(this.#seed, utcMs, 20 * 60_000) - 0.5);
    const v = NOMINAL_V + this.#feederOffsetV + diurnalOffsetV(localHour) + drift + this.#rng.normal(0, 0.25);
    return Math.min(PRODIST_127.adequateMax - 0.3, Math.max(PRODIST_127.adequateMin + 0.3, v));
  }

  frequency(): number {
    return NOMINAL_HZ + this.#rng.normal(0, 0.015);
  }
}
