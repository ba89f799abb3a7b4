import { pipeline, type Readable } from 'node:stream';
import { CsvParser } from './csv-parser.ts';
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
  /** Called once the decoder has chosen the encoding (for logs and etl_runs.progress). */
  onEncoding?: (encoding: AneelEncoding) => void;
}

/**
 * Streams the records of an ANEEL CSV (aneel.md §7): any encoding AneelDecoder accepts, `;` separator,
 * quoted or unquoted fields, CRLF or LF. The first record must be the header. Memory holds one chunk and
 * the unfinished record; backpressure flows back to the byte source because chunks are pulled.
 */
export async function* readAneelCsv(bytes: Readable, opts: CsvReadOptions): AsyncGenerator<CsvRecord> {
  const decoder = new AneelDecoder(opts.encoding ? { encoding: opts.encoding } : {});
  // Errors of the source surface through the decoder's async iterator below.
  pipeline(bytes, decoder, () => undefined);
  const parser = new CsvParser();
  let positions: number[] | undefined;
  const emit = function* (records: ReturnType<CsvParser['push']>): Generator<CsvRecord> {
    for (const { fields, line } of records) {
      if (!positions) {
        positions = validateHeader(fields, opts.columns, { source: opts.source });
        if (decoder.encoding) opts.onEncoding?.(decoder.encoding);
        continue;
      }
      const values: Record<string, string> = {};
      for (let i = 0; i < opts.columns.length; i++)
        values[opts.columns[i]!] = fields[positions[i]!] as string;
      yield { line, values, fieldCount: fields.length };
    }
  };
  try {
    // The decoder emits whole UTF-8 characters only, so each chunk converts to text on its own.
    for await (const chunk of decoder as AsyncIterable<Buffer>)
      yield* emit(parser.push(chunk.toString('utf8')));
    yield* emit(parser.end());
  } finally {
    if (!decoder.destroyed) decoder.destroy();
  }
  if (!positions) validateHeader([], opts.columns, { source: opts.source });
}
