/**
 * PostgreSQL array literals for query parameters, built in one pass. node-postgres turns a JS array parameter
 * into the same literal, but element by element through its generic value preparation (a regex escape per
 * string, timezone arithmetic per Date); the ingest statements pass thousands of elements per batch.
 * Bind the result as text and cast in SQL (`$1::text[]`, `$2::float8[]`, `$3::timestamptz[]`).
 */

/** `{"a","b",NULL}`; any text is safe (quotes and backslashes are escaped). */
export function textArray(values: readonly (string | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else out += `"${/["\\]/.test(v) ? v.replace(/["\\]/g, '\\$&') : v}"`;
  }
  return `${out}}`;
}

/** `{1,2.5,NULL}` for finite numbers (the shortest text that reads back as the same double). */
export function numberArray(values: readonly (number | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : `${v}`;
  }
  return `${out}}`;
}

/** `{"2026-03-10T10:00:00.000Z",NULL}` from epoch milliseconds (UTC, so the session time zone does not matter). */
export function timestampArray(values: readonly (number | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : `"${new Date(v).toISOString()}"`;
  }
  return `${out}}`;
}
