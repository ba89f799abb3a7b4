import { pipeline, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AneelDecoder, type AneelEncoding } from './decode-stream.ts';
import { validateHeader } from './header.ts';

export interface CsvRecord {
  /** Physical line of the record in the file (1 = header). */
  line: number;
  /** Values by expected column name, raw (not trimmed); `undefined` when the row has too few fields. */
  values: Record<string, string>;
  /** Number of fields the row had (≠ columns.length → the caller rejects the row). */
  fieldCount: number;
}

export interface CsvReadOptions {
  /** Expected header, in any order (validated; drift throws `schema_drift`). */
  columns: readonly string[];
  /** Name used in errors and logs (file name or URL). */
  source: string;
  encoding?: AneelEncoding;
  /** Called with the decoder once it has chosen the encoding (for logs and etl_runs.progress). */
  onEncoding?: (encoding: AneelEncoding) => void;
}

/**
 * Streams the records of an ANEEL CSV (aneel.md §7): any encoding AneelDecoder accepts, `;` separator,
 * quoted or unquoted fields, CRLF or LF. The first record must be the header. Nothing is held in memory
 * beyond csv-parse's buffer for the current record; backpressure flows back to the byte source.
 */
export async function* readAneelCsv(bytes: Readable, opts: CsvReadOptions): AsyncGenerator<CsvRecord> {
  const decoder = new AneelDecoder(opts.encoding ? { encoding: opts.encoding } : {});
  const parser = parse({
    delimiter: ';',
    quote: '"',
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });
  // Errors of any stage surface through the parser's async iterator below.
  pipeline(bytes, decoder, parser, () => undefined);
  let positions: number[] | undefined;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (!positions) {
        positions = validateHeader(record, opts.columns, { source: opts.source });
        if (decoder.encoding) opts.onEncoding?.(decoder.encoding);
        continue;
      }
      const values: Record<string, string> = {};
      opts.columns.forEach((c, i) => {
        values[c] = record[positions![i]!] as string;
      });
      yield { line: info.lines, values, fieldCount: record.length };
    }
  } finally {
    if (!parser.destroyed) parser.destroy();
  }
  if (!positions) {
    validateHeader([], opts.columns, { source: opts.source });
  }
}
