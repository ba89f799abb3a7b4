/** Outcome of mapping one file record to a typed row: the row, or the reason it is rejected. */
export type RowResult<T> = { ok: true; row: T } | { ok: false; reason: RejectReason; detail: string };

export type RejectReason =
  | 'column_count'
  | 'bad_cnpj'
  | 'bad_date'
  | 'bad_range'
  | 'bad_number'
  | 'missing_value'
  | 'bad_unit'
  | 'not_first_of_month'
  | 'duplicate_key';

export function reject(
  reason: RejectReason,
  detail: string,
): { ok: false; reason: RejectReason; detail: string } {
  return { ok: false, reason, detail };
}
