import { AppError } from '../../../shared/errors.ts';

/**
 * Checks a file header (or datastore field list) against the expected columns and returns, for each expected
 * column, its index in the header. Names are compared after NFC, trim and case folding (`VlrTusd` is
 * `VlrTUSD`); a BOM left on the first name is ignored. Any unknown or missing column fails loudly with
 * `schema_drift`, naming them: a renamed column silently read as empty would price every kWh wrong.
 * `ignore` lists names to skip (CKAN adds `_id` and `_full_text` to datastore records).
 */
export function validateHeader(
  header: readonly string[],
  expected: readonly string[],
  ctx: { source: string; ignore?: readonly string[] },
): number[] {
  const norm = (s: string) =>
    s
      .replace(/^\uFEFF/, '')
      .normalize('NFC')
      .trim()
      .toLowerCase();
  const ignore = new Set((ctx.ignore ?? []).map(norm));
  const positions = new Map<string, number>();
  const unknown: string[] = [];
  const duplicated: string[] = [];
  header.forEach((name, i) => {
    const k = norm(name);
    if (ignore.has(k)) return;
    if (!expected.some((e) => norm(e) === k)) unknown.push(name.replace(/^\uFEFF/, '').trim());
    else if (positions.has(k)) duplicated.push(name.trim());
    else positions.set(k, i);
  });
  const missing = expected.filter((e) => !positions.has(norm(e)));
  if (unknown.length || missing.length || duplicated.length) {
    const parts = [
      unknown.length ? `unknown column(s) ${unknown.map((c) => JSON.stringify(c)).join(', ')}` : '',
      missing.length ? `missing column(s) ${missing.map((c) => JSON.stringify(c)).join(', ')}` : '',
      duplicated.length ? `repeated column(s) ${duplicated.map((c) => JSON.stringify(c)).join(', ')}` : '',
    ].filter(Boolean);
    throw new AppError(
      'schema_drift',
      `${ctx.source}: header does not match the expected layout: ${parts.join('; ')}`,
      {
        details: { source: ctx.source, unknown, missing, duplicated, header: [...header] },
      },
    );
  }
  return expected.map((e) => positions.get(norm(e))!);
}
