/**
 * Checks that every ANEEL file's record mapper makes the same way, with the same reasons and details: the
 * column count, the dataset's generation date, the competência month and a required decimal value. Each
 * returns the parsed value, or the rejection the mapper passes on as its result.
 */
import { parseAneelDate } from './br-date.ts';
import { parseBrDecimal } from './br-number.ts';
import { type RejectReason, reject } from './row-result.ts';

/** The `ok: false` side of a RowResult. */
export interface Rejection {
  ok: false;
  reason: RejectReason;
  detail: string;
}

export function isRejection(x: string | null | Rejection): x is Rejection {
  return typeof x === 'object' && x !== null;
}

/** A record whose field count is not the file's column count is rejected before any field is read. */
export function columnCountRejection(fieldCount: number, columns: readonly string[]): Rejection | undefined {
  return fieldCount === columns.length
    ? undefined
    : reject('column_count', `${fieldCount} fields, expected ${columns.length}`);
}

/** `DatGeracaoConjuntoDados`: the date ANEEL generated the dataset; empty (null) is accepted. */
export function readGeneratedOn(v: Record<string, string>): string | null | Rejection {
  const generatedOn = parseAneelDate(v.DatGeracaoConjuntoDados ?? '');
  if (generatedOn === undefined)
    return reject('bad_date', `DatGeracaoConjuntoDados ${JSON.stringify(v.DatGeracaoConjuntoDados)}`);
  return generatedOn;
}

/** `DatCompetencia`: the month a monthly value is for, published as its first day. */
export function readCompetenceMonth(v: Record<string, string>): string | Rejection {
  const month = parseAneelDate(v.DatCompetencia ?? '');
  if (!month) return reject('bad_date', `DatCompetencia ${JSON.stringify(v.DatCompetencia)}`);
  if (!month.endsWith('-01')) return reject('not_first_of_month', `DatCompetencia ${month}`);
  return month;
}

/** The trimmed text `raw` of `column` as a canonical decimal; an empty value is a rejection too. */
export function requiredDecimal(column: string, raw: string): string | Rejection {
  const value = parseBrDecimal(raw);
  if (value === undefined) return reject('bad_number', `${column} ${JSON.stringify(raw)}`);
  if (value === null) return reject('missing_value', `${column} is empty`);
  return value;
}
