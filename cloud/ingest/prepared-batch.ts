/**
 * The ingest steps that need no database, done once per request before the first transaction attempt:
 * the request checks, row validation, the COPY text of the valid readings and the batch fingerprint.
 */
import { createHash } from 'node:crypto';
import { AppError, formatIssues } from '../../shared/errors.ts';
import { SyncBatchRequest } from '../../shared/schemas/sync.ts';
import { monthStartUtc } from '../db/partitions.ts';
import { CopyText } from './readings-repository.ts';
import { checkRows, type RowCheck } from './row-validation.ts';

export interface IngestInput {
  /** The authenticated gateway. */
  gatewayId: string;
  /** The parsed JSON body; `ingest` clears it once validated, so the raw parse tree can be collected. */
  body: unknown;
  /** The `Idempotency-Key` header. */
  idempotencyKey: string | undefined;
}

/** The validated batch without its raw readings (released once validated: see prepareBatch). */
export type Batch = Omit<ReturnType<typeof SyncBatchRequest.parse>, 'readings'> & { readingCount: number };

/** A batch after the checks that need no database: rows validated, COPY lines built, fingerprint taken. */
export interface PreparedBatch {
  batch: Batch;
  rows: RowCheck;
  /** COPY text of the valid readings, in batch order. */
  copy: CopyText;
  /** Start (UTC) of every month the valid readings fall in: the partitions the batch needs. */
  months: number[];
  /** Per item index, the byte range of its line in `copy` (valid readings only; undefined for the others). */
  lines: ([number, number] | undefined)[];
  sha: string;
  now: number;
}

/**
 * Validates the body against the sync contract and the request (Idempotency-Key, token's gateway), then the
 * rows; builds the COPY text and fingerprint. `clock` is read once, after the request checks: `now` of the batch.
 */
export async function prepareBatch(input: IngestInput, clock: () => number): Promise<PreparedBatch> {
  const parsed = SyncBatchRequest.safeParse(input.body);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error.issues);
    throw new AppError('validation_failed', `invalid sync batch: ${issues.slice(0, 3).join('; ')}`, {
      details: { issues: issues.slice(0, 50) },
    });
  }
  const { readings: items, ...rest } = parsed.data;
  const batch: Batch = { ...rest, readingCount: items.length };
  if (input.idempotencyKey === undefined || input.idempotencyKey === '') {
    throw new AppError('bad_request', 'the Idempotency-Key header is required (equal to batchId)');
  }
  if (input.idempotencyKey !== batch.batchId) {
    throw new AppError('bad_request', 'the Idempotency-Key header must equal the body batchId');
  }
  if (batch.gatewayId !== input.gatewayId) {
    throw new AppError(
      'forbidden',
      `this token belongs to gateway ${input.gatewayId}, not ${batch.gatewayId}`,
    );
  }
  const now = clock();
  const rows = await checkRows(items, now);
  const lines: ([number, number] | undefined)[] = new Array(items.length);
  // The fingerprint covers what the batch stores, in a normal form (the COPY line of each valid reading),
  // not the bytes: the gateway appends a fresh `status` snapshot at every send of the same batch. It hashes
  // the COPY text itself, in ranges between invalid items (the same digest as line by line).
  const hash = createHash('sha256').update(`${batch.gatewayId}\n${batch.batchId}\n`);
  const copy = new CopyText();
  let hashed = 0;
  let next = 0;
  const months: number[] = [];
  let monthFrom = Number.POSITIVE_INFINITY;
  let monthTo = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < items.length; i++) {
    const v = rows.valid[next];
    if (v?.index === i) {
      next++;
      lines[i] = copy.appendReading(v.reading, batch.gatewayId);
      const ts = v.reading.ts;
      if (ts < monthFrom || ts >= monthTo) {
        monthFrom = monthStartUtc(ts);
        monthTo = nextMonthUtc(monthFrom);
        if (!months.includes(monthFrom)) months.push(monthFrom);
      }
    } else {
      hash.update(copy.buf.subarray(hashed, copy.length));
      hashed = copy.length;
      hash.update(`!${JSON.stringify(items[i]) ?? 'undefined'}\n`);
    }
  }
  hash.update(copy.buf.subarray(hashed, copy.length));
  hash.update(JSON.stringify(batch.alerts)).update('\n').update(JSON.stringify(batch.losses));
  return { batch, rows, copy, months, lines, sha: hash.digest('hex'), now };
}

/** Start of the month after the month starting at `monthStart` (UTC). */
function nextMonthUtc(monthStart: number): number {
  const d = new Date(monthStart);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
