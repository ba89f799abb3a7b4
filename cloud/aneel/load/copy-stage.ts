import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A value for PostgreSQL's COPY text format: `\N` is NULL; backslash, tab and line ends are escaped. */
export function copyValue(v: string | number | boolean | null): string {
  if (v === null) return '\\N';
  if (typeof v !== 'string') return String(v);
  return v.replace(/[\\\t\n\r]/g, (ch) =>
    ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r',
  );
}

export function copyLine(values: ReadonlyArray<string | number | boolean | null>): string {
  return `${values.map(copyValue).join('\t')}\n`;
}

/**
 * Streams COPY text lines into `table` on `client` (a temp staging table of the same session). Lines are
 * grouped into larger chunks so that a 200k-row file is a few hundred socket writes, not 200k; backpressure
 * from the connection pauses the producer (and through it the HTTP download or file read).
 */
export async function copyLines(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  lines: AsyncIterable<string>,
): Promise<void> {
  const target = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  async function* chunks(): AsyncGenerator<string> {
    let buf = '';
    for await (const l of lines) {
      buf += l;
      if (buf.length >= 64 * 1024) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  await pipeline(Readable.from(chunks(), { objectMode: false }), target);
}
