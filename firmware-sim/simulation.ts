import { Board, type Site } from './board-model.ts';
import { LocalTime } from './clock.ts';
import { Weather } from './daylight.ts';
import type { FaultSettings } from './faults.ts';
import { hashString } from './rng.ts';
import type { SimEvent } from './sim-events.ts';

/**
 * Many boards in one process, stepped in time order (a min-heap on each board's next due instant, ties by
 * board index), so the merged stream is deterministic and each board's own stream is unaffected by how many
 * others run beside it.
 */

export interface SimulationConfig {
  /** Everything random derives from this. */
  seed: string;
  boards: number;
  /** When the boards power on (UTC ms). */
  startMs: number;
  telePeriodS: number;
  site?: Site;
  timeZone?: string;
  faults?: FaultSettings;
  /** Original firmware behaviour for the echo timeout (0 cm = presence); the serial output prints the legacy line. */
  legacy?: boolean;
  firmware?: string;
  /** Explicit device ids (else `aicss-<6 hex>` derived from the seed). */
  deviceIds?: readonly string[];
  /** Spread the boards' power-on over one TelePeriod (default true), as boards never start in lockstep. */
  stagger?: boolean;
}

export const SAO_PAULO: Site & { timeZone: string } = {
  lat: -23.55,
  lon: -46.63,
  timeZone: 'America/Sao_Paulo',
};

/** `aicss-<6 hex>` ids from the seed, unique within the run (Tasmota-style: last 3 bytes of the MAC). */
export function deriveDeviceIds(seed: string, count: number): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let i = 0, attempt = 0; ids.length < count; attempt++) {
    const h = hashString(`${seed}/device/${i}/${attempt}`)[0] & 0xffffff;
    const id = `aicss-${h.toString(16).padStart(6, '0')}`;
    if (seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
    i++;
    attempt = -1;
  }
  return ids;
}

export class Simulation {
  readonly devices: readonly string[];
  readonly boards: readonly Board[];
  readonly startMs: number;
  readonly localTime: LocalTime;
  /** Heap of board indexes ordered by (nextAtMs, index). */
  readonly #heap: number[];

  constructor(cfg: SimulationConfig) {
    if (!Number.isInteger(cfg.boards) || cfg.boards < 1)
      throw new RangeError('boards must be a positive integer');
    const site = cfg.site ?? SAO_PAULO;
    this.localTime = new LocalTime(cfg.timeZone ?? SAO_PAULO.timeZone);
    const weather = new Weather(cfg.seed);
    this.startMs = cfg.startMs;
    const ids = cfg.deviceIds?.length ? [...cfg.deviceIds] : deriveDeviceIds(cfg.seed, cfg.boards);
    if (ids.length < cfg.boards) throw new RangeError(`${cfg.boards} boards but ${ids.length} device ids`);
    const periodMs = Math.round(cfg.telePeriodS * 1000);
    const stagger = cfg.stagger ?? true;
    this.boards = ids.slice(0, cfg.boards).map(
      (device, index) =>
        new Board({
          index,
          device,
          seed: cfg.seed,
          powerOnMs: cfg.startMs + (stagger ? Math.floor((index * periodMs) / cfg.boards) : 0),
          telePeriodMs: periodMs,
          firmware: cfg.firmware ?? '1.0.0',
          legacy: cfg.legacy ?? false,
          faults: cfg.faults ?? {},
          site,
          local: this.localTime,
          weather,
        }),
    );
    this.devices = this.boards.map((b) => b.device);
    this.#heap = [];
    for (let i = 0; i < this.boards.length; i++) this.#push(i);
  }

  board(device: string): Board | undefined {
    return this.boards.find((b) => b.device === device);
  }

  /** When the next event is due (UTC ms). */
  nextAtMs(): number {
    return this.boards[this.#heap[0]!]!.nextAtMs;
  }

  /** Steps the earliest board once; its events all carry the same instant. */
  stepOnce(): SimEvent[] {
    const i = this.#popMin();
    const events = this.boards[i]!.step();
    this.#push(i);
    return events;
  }

  /** Every event due before `endMs` (exclusive), in time order. Lazy: a consumer can stop at any point. */
  *events(endMs: number): Generator<SimEvent> {
    while (this.nextAtMs() < endMs) yield* this.stepOnce();
  }

  #less(a: number, b: number): boolean {
    const ta = this.boards[a]!.nextAtMs;
    const tb = this.boards[b]!.nextAtMs;
    return ta < tb || (ta === tb && a < b);
  }

  #push(i: number): void {
    const h = this.#heap;
    h.push(i);
    let k = h.length - 1;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.#less(h[k]!, h[parent]!)) break;
      [h[k], h[parent]] = [h[parent]!, h[k]!];
      k = parent;
    }
  }

  #popMin(): number {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === k) break;
        [h[k], h[m]] = [h[m]!, h[k]!];
        k = m;
      }
    }
    return top;
  }
}

export function createSimulation(cfg: SimulationConfig): Simulation {
  return new Simulation(cfg);
}
