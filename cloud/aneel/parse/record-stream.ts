import { createHash } from 'node:crypto';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { type CsvRecord, readAneelCsv } from './csv-reader.ts';
import type { AneelEncoding } from './decode-stream.ts';

export interface RecordStreamStats {
  bytesRead?: number;
  totalBytes?: number;
  pages?: number;
  encoding?: AneelEncoding;
}

/** Records of one source plus what the load runner reports about it while and after reading. */
export interface RecordStream {
  records: AsyncIterable<CsvRecord>;
  stats(): RecordStreamStats;
  /** sha256 of every byte read, once the records are exhausted (CSV sources only). */
  sha256(): string | undefined;
}

/**
 * The records of a CSV byte stream, counting and hashing the bytes on the way (the hash identifies the file
 * version in aneel_sources without a second read).
 */
export function csvRecordStream(
  bytes: Readable,
  opts: { columns: readonly string[]; source: string; encoding?: AneelEncoding; totalBytes?: number },
): RecordStream {
  const hash = createHash('sha256');
  let bytesRead = 0;
  let digest: string | undefined;
  let encoding: AneelEncoding | undefined;
  const tap = new PassThrough({
    transform(chunk: Buffer, _enc, cb) {
      bytesRead += chunk.length;
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      digest = hash.digest('hex');
      cb();
    },
  });
  // pipeline, not pipe: when the reader stops early (schema drift, a failed COPY) the source is destroyed
  // too, so a download's socket and timers do not outlive the load.
  pipeline(bytes, tap, () => undefined);
  const records = readAneelCsv(tap, {
    columns: opts.columns,
    source: opts.source,
    ...(opts.encoding ? { encoding: opts.encoding } : {}),
    onEncoding: (e) => {
      encoding = e;
    },
  });
  return {
    records,
    stats: () => ({
      bytesRead,
      ...(opts.totalBytes !== undefined ? { totalBytes: opts.totalBytes } : {}),
      ...(encoding ? { encoding } : {}),
    }),
    sha256: () => digest,
  };
}
