import { Transform, type TransformCallback } from 'node:stream';
import {
  DEFAULT_MAX_LINE_BYTES,
  type FramedItem,
  LineSplitter,
  type LineSplitterStats,
} from './line-splitter.ts';

/**
 * Bytes in, `FramedItem`s out (object mode): the serial port's framing stage. The rules (LF-terminated lines,
 * CR stripped and reported, over-long lines dropped and reported once, bounded memory, flush of a last
 * unterminated line) live in `LineSplitter`; this is only the stream around it.
 */

export type { FramedItem } from './line-splitter.ts';

export interface LineFramerOptions {
  /** Longest accepted line in bytes, CR LF included. Default 256 (AICSS/1); see `SERIAL_MAX_LINE_BYTES`. */
  maxLineBytes?: number;
}

export type LineFramerStats = LineSplitterStats;

export class LineFramer extends Transform {
  readonly #splitter: LineSplitter;
  readonly #emit = (item: FramedItem): void => {
    this.push(item);
  };

  constructor(opts: LineFramerOptions = {}) {
    super({ readableObjectMode: true });
    this.#splitter = new LineSplitter(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }

  /** Live counters: lines emitted, over-long lines dropped, bytes discarded, empty lines skipped. */
  get stats(): LineFramerStats {
    return this.#splitter.stats;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#splitter.write(chunk, this.#emit);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.#splitter.end(this.#emit);
    done();
  }
}
