import { parse } from 'csv-parse/sync';
import type { TimeZoneClock } from '../cost/local-time.ts';
import { isLocalDate } from '../cost/local-time.ts';

/**
 * Parses a prediction file written by R (docs/r-analysis.md):
 *
 *     timestamp,kwh,lower,upper
 *     2026-07-01T00:00:00Z,0.412,0.301,0.555
 *
 * - UTF-8 (a BOM is dropped), `,` separator, header row; `lower`/`upper` optional; `site_id`/`device_id`
 *   optional and, when present, must name the scope the file is uploaded for. An unnamed first column (R's
 *   row names, `write.csv(..., row.names = TRUE)`) is ignored.
 * - `timestamp`: ISO 8601 with `Z` or an offset (`+0000` and `-03:00` both accepted), aligned to the step
 *   (whole hours for `hour`, local midnight for `day`); for `day` a bare `YYYY-MM-DD` (a local day) is also
 *   accepted.
 * - `kwh` ≥ 0, decimal point; `NA` only in `lower`/`upper`; lower ≤ kwh ≤ upper.
 * - No duplicate timestamps.
 *
 * All or nothing: if any row is bad the file is refused and every problem is reported with its line number
 * (1 = the header), column and reason — a forecast with holes would be scored on a different set of hours
 * than the built-in one and its MAPE would mislead.
 */
export interface ImportPoint {
  ts: number;
  kwh: number;
  lower: number | null;
  upper: number | null;
}

export interface ImportProblem {
  line: number;
  column: string | null;
  value: string | null;
  reason: string;
}

export type ImportParseResult =
  | { ok: true; points: ImportPoint[] }
  /** `problems` holds the first 100; `problemCount` counts them all. */
  | { ok: false; problems: ImportProblem[]; rowsRead: number; problemCount?: number };

const KNOWN = ['timestamp', 'kwh', 'lower', 'upper', 'site_id', 'device_id'];
const MAX_PROBLEMS = 100;
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TS_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseIsoInstant(s: string): number | null {
  const m = TS_RE.exec(s);
  if (!m) return null;
  const zone = m[5] === 'Z' ? 'Z' : `${m[5]!.slice(0, 3)}:${m[5]!.slice(-2)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${zone}`);
  return Number.isNaN(ms) ? null : ms;
}

export function parsePredictionCsv(
  text: string,
  opts: {
    step: 'hour' | 'day';
    clock: TimeZoneClock;
    scope: { kind: 'site' | 'device'; id: string };
    maxRows?: number;
  },
): ImportParseResult {
  const problems: ImportProblem[] = [];
  let problemCount = 0;
  const add = (p: ImportProblem) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { lines?: number; message?: string };
    return {
      ok: false,
      rowsRead: 0,
      problems: [
        {
          line: e.lines ?? 1,
          column: null,
          value: null,
          reason: `not valid CSV: ${e.message ?? String(err)}`,
        },
      ],
    };
  }
  if (records.length === 0)
    return {
      ok: false,
      rowsRead: 0,
      problems: [{ line: 1, column: null, value: null, reason: 'empty file: expected a header row' }],
    };
  const header = records[0]!.record.map((h) => h.toLowerCase());
  const skipFirst = header[0] === '';
  const cols = skipFirst ? header.slice(1) : header;
  for (const c of cols) {
    if (!KNOWN.includes(c))
      add({ line: 1, column: c, value: null, reason: `unknown column (expected ${KNOWN.join(', ')})` });
  }
  for (const need of ['timestamp', 'kwh']) {
    if (!cols.includes(need)) add({ line: 1, column: need, value: null, reason: 'required column missing' });
  }
  if (new Set(cols).size !== cols.length)
    add({ line: 1, column: null, value: null, reason: 'duplicate column names' });
  if (problems.length) return { ok: false, problems, rowsRead: records.length - 1 };
  const idx = (c: string) => {
    const i = cols.indexOf(c);
    return i < 0 ? -1 : i + (skipFirst ? 1 : 0);
  };
  const maxRows = opts.maxRows ?? 100_000;
  if (records.length - 1 > maxRows) {
    return {
      ok: false,
      rowsRead: records.length - 1,
      problems: [{ line: maxRows + 2, column: null, value: null, reason: `more than ${maxRows} rows` }],
    };
  }
  const points: ImportPoint[] = [];
  const seen = new Map<number, number>();
  const scopeColumn = opts.scope.kind === 'site' ? 'site_id' : 'device_id';
  const otherColumn = opts.scope.kind === 'site' ? 'device_id' : 'site_id';
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    const cell = (c: string) => {
      const i = idx(c);
      return i < 0 ? undefined : record[i];
    };
    if (record.length !== header.length) {
      add({
        line,
        column: null,
        value: null,
        reason: `expected ${header.length} fields, got ${record.length}`,
      });
      continue;
    }
    let bad = false;
    const fail = (column: string, value: string | null | undefined, reason: string) => {
      bad = true;
      add({ line, column, value: value ?? null, reason });
    };
    const tsText = cell('timestamp') ?? '';
    let ts: number | null = null;
    if (opts.step === 'day' && isLocalDate(tsText)) ts = opts.clock.startOfDay(tsText);
    else ts = parseIsoInstant(tsText);
    if (ts === null)
      fail('timestamp', tsText, 'not an ISO 8601 instant with Z or an offset (e.g. 2026-07-01T00:00:00Z)');
    else if (opts.step === 'hour' && ts % 3_600_000 !== 0) fail('timestamp', tsText, 'not on a whole hour');
    else if (opts.step === 'day' && opts.clock.startOfDay(opts.clock.localDate(ts)) !== ts) {
      fail('timestamp', tsText, `not a local midnight in ${opts.clock.timeZone}`);
    }
    const num = (c: string, required: boolean): number | null => {
      const v = cell(c);
      if (v === undefined || v === '' || v === 'NA') {
        if (required) fail(c, v, v === 'NA' ? 'NA is not allowed here' : 'empty');
        return null;
      }
      if (!NUMBER_RE.test(v)) {
        fail(c, v, v.includes(',') ? 'not a number (use a decimal point, not a comma)' : 'not a number');
        return null;
      }
      return Number(v);
    };
    const kwh = num('kwh', true);
    const lower = num('lower', false);
    const upper = num('upper', false);
    if (kwh !== null && kwh < 0) fail('kwh', cell('kwh'), 'negative energy');
    if (kwh !== null && lower !== null && lower > kwh) fail('lower', cell('lower'), 'lower is above kwh');
    if (kwh !== null && upper !== null && upper < kwh) fail('upper', cell('upper'), 'upper is below kwh');
    const scopeCell = cell(scopeColumn);
    if (scopeCell !== undefined && scopeCell !== opts.scope.id) {
      fail(scopeColumn, scopeCell, `the file is uploaded for ${opts.scope.kind} ${opts.scope.id}`);
    }
    if (cell(otherColumn) !== undefined && opts.scope.kind === 'site') {
      fail(otherColumn, cell(otherColumn), 'a site forecast cannot carry a device_id column');
    }
    if (ts !== null && !bad) {
      const prev = seen.get(ts);
      if (prev !== undefined) fail('timestamp', tsText, `duplicate of line ${prev}`);
      else seen.set(ts, line);
    }
    if (!bad && ts !== null && kwh !== null) points.push({ ts, kwh, lower, upper });
  }
  if (problems.length) return { ok: false, problems, rowsRead: records.length - 1, problemCount };
  if (points.length === 0)
    return {
      ok: false,
      rowsRead: 0,
      problems: [{ line: 2, column: null, value: null, reason: 'no data rows' }],
    };
  points.sort((a, b) => a.ts - b.ts);
  return { ok: true, points };
}
