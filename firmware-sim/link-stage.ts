import { BOARD_FLAGS } from '../shared/schemas/reading.ts';
import type { FaultState } from './fault-state.ts';
import type { RecordEvent } from './sim-events.ts';

/**
 * Between the board and the wire: the transport faults that act on whole records — silence (lost),
 * replay (held while the link is down, then sent late with REPLAYED), duplicate and reorder.
 */

/** Records a board keeps while its link is down (a small RAM ring on an ESP32); older ones are lost. */
export const REPLAY_BUFFER_RECORDS = 500;

export class LinkStage {
  #held: RecordEvent | undefined;
  #buffer: RecordEvent[] = [];
  /** Records that never left the board (silence, replay overflow, lost at power loss). */
  lost = 0;

  process(ev: RecordEvent, faults: FaultState): RecordEvent[] {
    if (faults.active('silence')) {
      this.lost++;
      return [];
    }
    if (faults.active('replay')) {
      this.#buffer.push(ev);
      if (this.#buffer.length > REPLAY_BUFFER_RECORDS) {
        this.#buffer.shift();
        this.lost++;
      }
      return [];
    }
    const out: RecordEvent[] = [];
    for (const b of this.#buffer) {
      out.push({
        ...b,
        atMs: ev.atMs,
        record: { ...b.record, st: (b.record.st ?? 0) | BOARD_FLAGS.REPLAYED },
      });
    }
    this.#buffer = [];
    const current = faults.fired('duplicate') ? [ev, ev] : [ev];
    if (this.#held) {
      out.push(...current, { ...this.#held, atMs: ev.atMs });
      this.#held = undefined;
    } else if (faults.fired('reorder')) {
      this.#held = ev;
    } else {
      out.push(...current);
    }
    return out;
  }

  /** Power lost: whatever sat in RAM is gone. */
  dropAll(): void {
    this.lost += this.#buffer.length + (this.#held ? 1 : 0);
    this.#buffer = [];
    this.#held = undefined;
  }
}
