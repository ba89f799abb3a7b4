import { formatIssues } from '../../shared/errors.ts';
import { checkReading, DEVICE_ID_PATTERN, Reading } from '../../shared/schemas/reading.ts';
import type { RowRejection } from '../../shared/schemas/sync.ts';

/** A reading stamped further ahead of the server clock than this is refused (`out_of_range`). */
export const FUTURE_TOLERANCE_MS = 24 * 3600_000;

export interface IndexedReading {
  index: number;
  reading: Reading;
}

export interface RowCheck {
  /** Valid readings in batch order (repeats of a row within the batch included). */
  valid: IndexedReading[];
  rejected: RowRejection[];
  /** The device id of each rejected row when it had a usable one, else '-' (for ingest_rejections). */
  rejectedDevice: Map<number, string>;
}

function deviceOf(item: unknown): string {
  const d = (item as { device?: unknown } | null)?.device;
  return typeof d === 'string' && DEVICE_ID_PATTERN.test(d) ? d : '-';
}

/** Rows validated between two yields to the event loop (a few ms of work). */
const CHUNK = 1000;

/**
 * Validates each item of `readings` against the `Reading` schema: a bad row is rejected with a code and the
 * rest go on. Beyond the schema, times more than a day ahead of `now` are `out_of_range` (a board clock in
 * the future would otherwise create partitions for years nobody asked for).
 *
 * Each row is checked with `checkReading`, the schema's rules as plain code (it accepts exactly what
 * `Reading.safeParse` accepts: test/unit/protocol/reading-check.property.test.ts). The schema has no defaults
 * or transforms, so an accepted item IS its parse result and is used as is. A zod parse per row cost about
 * 12× as much CPU plus a copy of every object (most of ingest's garbage-collection time: docs/scaling.md §4).
 * Only a rejected row is parsed with zod, so its message is exactly the schema's. Yields to the event loop
 * between chunks, so a big batch does not hold up the database round trips of the other batches in flight.
 */
export async function checkRows(items: readonly unknown[], now: number): Promise<RowCheck> {
  const out: RowCheck = { valid: [], rejected: [], rejectedDevice: new Map() };
  const reject = (index: number, code: string, message: string) => {
    out.rejected.push({
      index,
      code,
      message: message.length > 300 ? `${message.slice(0, 297)}...` : message,
    });
    out.rejectedDevice.set(index, deviceOf(items[index]));
  };
  const limit = now + FUTURE_TOLERANCE_MS;
  const accept = (index: number, r: Reading) => {
    if (r.ts > limit || r.receivedAt > limit)
      reject(index, 'out_of_range', 'ts/receivedAt is more than 24 h ahead of the server clock');
    else out.valid.push({ index, reading: r });
  };
  for (let start = 0; start < items.length; start += CHUNK) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(items.length, start + CHUNK);
    for (let i = start; i < end; i++) {
      const item = items[i];
      if (checkReading(item) === undefined) {
        accept(i, item as Reading);
        continue;
      }
      const parsed = Reading.safeParse(item);
      // checkReading and the schema agree (property test); should they ever not, the schema decides.
      if (parsed.success) accept(i, parsed.data);
      else reject(i, 'validation_failed', formatIssues(parsed.error.issues).slice(0, 5).join('; '));
    }
  }
  return out;
}
