import { z } from 'zod';
import { formatIssues } from '../../shared/errors.ts';
import { DEVICE_ID_PATTERN, Reading } from '../../shared/schemas/reading.ts';
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

/** Rows validated between two yields to the event loop (about 5–10 ms of work). */
const CHUNK = 500;

/** A chunk of readings, validated in one zod parse when every item is valid (the normal case). */
const ReadingChunk = z.array(Reading);

/**
 * Validates each item of `readings` against the zod `Reading` schema: a bad row is rejected with a code and
 * the rest go on. Beyond the schema, times more than a day ahead of `now` are `out_of_range` (a board clock in
 * the future would otherwise create partitions for years nobody asked for).
 *
 * Each chunk of rows is parsed as ONE `z.array(Reading)`; only a chunk with a bad row is parsed again row by
 * row, so the rejections (index, message) are exactly those of a per-row parse. Yields to the event loop
 * between chunks: validating 5 000 rows in one go would hold up the database round trips of every other
 * batch in flight, and with them their transactions and locks.
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
    const chunk = items.slice(start, start + CHUNK);
    const all = ReadingChunk.safeParse(chunk);
    if (all.success) {
      for (let i = 0; i < all.data.length; i++) accept(start + i, all.data[i]!);
      continue;
    }
    for (let i = 0; i < chunk.length; i++) {
      const parsed = Reading.safeParse(chunk[i]);
      if (parsed.success) accept(start + i, parsed.data);
      else reject(start + i, 'validation_failed', formatIssues(parsed.error.issues).slice(0, 5).join('; '));
    }
  }
  return out;
}
