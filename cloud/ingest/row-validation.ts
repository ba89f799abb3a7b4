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

/**
 * Validates each item of `readings` on its own: a bad row is rejected with a code and the rest go on.
 * Beyond the zod schema, times more than a day ahead of `now` are `out_of_range` (a board clock in the
 * future would otherwise create partitions for years nobody asked for).
 *
 * Yields to the event loop every few hundred rows: validating 5 000 rows in one go would hold up the
 * database round trips of every other batch in flight, and with them their transactions and locks.
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
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % CHUNK === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const parsed = Reading.safeParse(items[index]);
    if (!parsed.success) {
      reject(index, 'validation_failed', formatIssues(parsed.error.issues).slice(0, 5).join('; '));
      continue;
    }
    const r = parsed.data;
    if (r.ts > now + FUTURE_TOLERANCE_MS || r.receivedAt > now + FUTURE_TOLERANCE_MS) {
      reject(index, 'out_of_range', 'ts/receivedAt is more than 24 h ahead of the server clock');
      continue;
    }
    out.valid.push({ index, reading: r });
  }
  return out;
}
