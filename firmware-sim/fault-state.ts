import { type FaultName, type FaultSettings, faultDef } from './faults.ts';
import type { Rng } from './rng.ts';

/**
 * One board's faults at run time. Each enabled fault has its own random stream and draws exactly once per
 * record to decide whether it starts, so turning one fault on or changing its rate never shifts the draws of
 * the board's physics or of the other faults.
 */

export interface Episode {
  startedMs: number;
  endsMs: number;
  /** Fault-specific choices made at the start (which channel, how many volts, …). */
  params: Record<string, number>;
}

export class FaultState {
  readonly #settings: FaultSettings;
  readonly #rngs = new Map<FaultName, Rng>();
  readonly #episodes = new Map<FaultName, Episode>();
  readonly #fired = new Set<FaultName>();
  /** Episodes that began at the last roll (a board reacts to some only when they start). */
  readonly #started = new Set<FaultName>();

  constructor(settings: FaultSettings, rng: Rng) {
    this.#settings = settings;
    for (const [name, s] of Object.entries(settings) as [FaultName, { rate: number }][]) {
      if (s.rate > 0) this.#rngs.set(name, rng.fork(`fault/${name}`));
    }
  }

  /** Decides, for the record at `nowMs`, which events fire and which episodes start or end. */
  roll(nowMs: number, choose: (name: FaultName, rng: Rng) => Record<string, number>): void {
    this.#fired.clear();
    this.#started.clear();
    for (const [name, rng] of this.#rngs) {
      const setting = this.#settings[name]!;
      const def = faultDef(name);
      const draw = rng.next();
      if (def.kind === 'event') {
        if (draw < setting.rate) this.#fired.add(name);
        continue;
      }
      const ep = this.#episodes.get(name);
      if (ep && nowMs >= ep.endsMs) this.#episodes.delete(name);
      if (!this.#episodes.has(name) && draw < setting.rate) {
        const [lo, hi] = def.durationMs ?? [0, 0];
        const length = setting.durationMs ?? Math.round(rng.uniform(lo, hi));
        this.#episodes.set(name, { startedMs: nowMs, endsMs: nowMs + length, params: choose(name, rng) });
        this.#started.add(name);
      }
    }
  }

  fired(name: FaultName): boolean {
    return this.#fired.has(name);
  }

  started(name: FaultName): boolean {
    return this.#started.has(name);
  }

  active(name: FaultName): Episode | undefined {
    return this.#episodes.get(name);
  }

  end(name: FaultName): void {
    this.#episodes.delete(name);
  }

  /** The stream of one fault, for the details of what it does (bytes, positions). */
  rng(name: FaultName): Rng | undefined {
    return this.#rngs.get(name);
  }

  enabled(name: FaultName): boolean {
    return this.#rngs.has(name);
  }
}
