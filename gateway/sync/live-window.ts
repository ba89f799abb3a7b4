import type { GatewayBuffer } from '../buffer/create-buffer.ts';
import type { SyncConfig } from '../config/core-config.ts';

interface LiveWindowDeps {
  buffer: Pick<GatewayBuffer, 'store'>;
  config: Pick<SyncConfig, 'liveWindowS'>;
}

/**
 * Which buffered readings are live (stored within `liveWindowS`): sync sends them first and unthrottled.
 * The buffer has row ids, not arrival times, so the newest id is sampled over time; rows above the id of
 * `liveWindowS` ago are live.
 */
export class LiveWindow {
  readonly #deps: LiveWindowDeps;
  #samples: Array<{ at: number; maxId: number }> = [];

  constructor(deps: LiveWindowDeps) {
    this.#deps = deps;
  }

  /** Remembers the newest reading id (at most once a second) and forgets samples older than needed. */
  sample(now: number): void {
    const last = this.#samples.at(-1);
    if (!last || now - last.at >= 1000)
      this.#samples.push({ at: now, maxId: this.#deps.buffer.store.maxId() });
    const horizon = now - this.#deps.config.liveWindowS * 1000;
    while (this.#samples.length > 1 && this.#samples[1]!.at <= horizon) this.#samples.shift();
  }

  /** After `sample` pruned, the first sample is the newest one at least `liveWindowS` old (or the first). */
  floor(): number {
    return this.#samples[0]?.maxId ?? 0;
  }
}
