import type { Rng } from './rng.ts';

/**
 * Presence in front of the HC-SR04 (someone within the 100 cm "presence" range): a two-state Markov process
 * whose stationary probability follows a household profile by local hour — quiet at night, a morning peak,
 * an evening peak — with busier weekend days. Stepping uses the exact transition probability for any
 * interval, so a 1 s loop and a 1 min backfill step see the same statistics.
 */

/** Probability someone is near the sensor at a random moment of each local hour (weekday). */
const WEEKDAY = [
  0.01, 0.01, 0.01, 0.01, 0.01, 0.03, 0.2, 0.35, 0.15, 0.06, 0.05, 0.06, 0.12, 0.08, 0.05, 0.05, 0.08, 0.18,
  0.35, 0.5, 0.5, 0.42, 0.22, 0.06,
];
/** Weekend: later mornings, people home in the day. */
const WEEKEND = [
  0.02, 0.02, 0.01, 0.01, 0.01, 0.01, 0.04, 0.1, 0.22, 0.25, 0.22, 0.22, 0.28, 0.25, 0.2, 0.2, 0.22, 0.28,
  0.38, 0.5, 0.5, 0.45, 0.3, 0.1,
];

/** Mean time someone stays within range, ms. */
const MEAN_STAY_MS = 4 * 60_000;

export function presenceProbability(localHour: number, weekday: number, activity: number): number {
  const table = weekday === 0 || weekday === 6 ? WEEKEND : WEEKDAY;
  const h = Math.floor(localHour) % 24;
  const next = (h + 1) % 24;
  const f = localHour - Math.floor(localHour);
  const p = table[h]! * (1 - f) + table[next]! * f;
  return Math.min(0.9, p * activity);
}

export interface OccupancyConfig {
  /** Household activity multiplier (0.6 quiet … 1.4 busy). */
  activity: number;
  /** Distance to the wall or furniture the sensor faces when nobody is there, cm. */
  backgroundCm: number;
}

export class Occupancy {
  readonly #rng: Rng;
  readonly #cfg: OccupancyConfig;
  #present = false;
  #lastMs: number | undefined;
  /** Where the current visitor stands, cm (drifts while they stay). */
  #personCm = 60;

  constructor(rng: Rng, cfg: OccupancyConfig) {
    this.#rng = rng;
    this.#cfg = cfg;
  }

  get present(): boolean {
    return this.#present;
  }

  /** Advances the process to `utcMs` and returns the true distance in front of the sensor, cm. */
  step(utcMs: number, localHour: number, weekday: number): number {
    const rng = this.#rng;
    const p = presenceProbability(localHour, weekday, this.#cfg.activity);
    const dt = this.#lastMs === undefined ? Number.POSITIVE_INFINITY : Math.max(0, utcMs - this.#lastMs);
    this.#lastMs = utcMs;
    // Two-state chain with leave rate μ and enter rate λ = μ·p/(1−p): P(present after dt) relaxes to p.
    const mu = 1 / MEAN_STAY_MS;
    const lambda = (mu * p) / (1 - p);
    const decay = Math.exp(-(lambda + mu) * dt);
    const pPresent = p + ((this.#present ? 1 : 0) - p) * decay;
    const wasPresent = this.#present;
    this.#present = rng.next() < pPresent;
    if (this.#present) {
      this.#personCm = wasPresent
        ? Math.min(97, Math.max(20, this.#personCm + rng.normal(0, 8)))
        : rng.uniform(25, 95);
      return this.#personCm;
    }
    // Nobody close: the wall, or now and then someone passing further away.
    if (rng.chance(0.04)) return rng.uniform(110, Math.max(115, this.#cfg.backgroundCm - 10));
    return this.#cfg.backgroundCm + rng.normal(0, 1.2);
  }
}
