import { Transform, type TransformCallback } from 'node:stream';
import { printable } from './decode-result.ts';

/**
 * Bytes in, lines out: the serial framer (style.md "Framing is pure and shared"). A line ends at LF; a CR
 * before it is removed and reported as `crlf: true` (AICSS/1 requires CRLF, the decoder decides).
 *
 * It survives anything a UART delivers: chunk boundaries anywhere, noise and NUL bytes (passed on inside
 * the line; the decoder rejects them), lines that never end. A line longer than `maxLineBytes` (terminator
 * included) is dropped, reported once as an `overflow` item when its LF arrives, and the framer resumes
 * with the next line. Memory stays bounded: at most `maxLineBytes` are ever held, however long the line.
 * Empty lines (a bare CRLF, common when a terminal program is attached) are skipped silently.
 */

export type FramedItem =
  | { kind: 'line'; bytes: Buffer; crlf: boolean }
  | { kind: 'overflow'; discardedBytes: number; head: string };

export interface LineFramerOptions {
  /** Longest accepted line in bytes, CR LF included. Default 256 (AICSS/1). */
  maxLineBytes?: number;
}

export interface LineFramerStats {
  lines: number;
  overflows: number;
  /** Bytes thrown away inside over-long lines (terminators included). */
  discardedBytes: number;
  /** Zero-length lines skipped. */
  emptyLines: number;
}

const LF = 0x0a;
const CR = 0x0d;
/** How much of a dropped line is kept for the log. */
const HEAD_BYTES = 32;

export class LineFramer extends Transform {
  readonly stats: LineFramerStats = { lines: 0, overflows: 0, discardedBytes: 0, emptyLines: 0 };
  readonly #max: number;
  /** The unterminated tail of the stream, at most `#max - 1` bytes (the LF would make it `#max`). */
  readonly #pending: Buffer;
  #pendingLen = 0;
  /** Inside an over-long line: counting bytes until the next LF. */
  #overflowBytes = -1;
  #overflowHead = '';

  constructor(opts: LineFramerOptions = {}) {
    super({ readableObjectMode: true });
    this.#max = Math.max(2, Math.floor(opts.maxLineBytes ?? 256));
    this.#pending = Buffer.allocUnsafe(this.#max);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf < 0 ? chunk.length : lf;
      const terminated = lf >= 0;
      if (this.#overflowBytes >= 0) {
        this.#discard(end - start + (terminated ? 1 : 0));
        if (terminated) this.#endOverflow();
      } else if (this.#pendingLen + (end - start) > this.#max - 1) {
        this.#startOverflow(chunk, start, end);
        this.#discard(terminated ? 1 : 0);
        if (terminated) this.#endOverflow();
      } else if (!terminated) {
        chunk.copy(this.#pending, this.#pendingLen, start, end);
        this.#pendingLen += end - start;
      } else {
        this.#emitLine(chunk, start, end, true);
      }
      start = end + 1;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.#overflowBytes >= 0) this.#endOverflow();
    else if (this.#pendingLen > 0) this.#emitLine(Buffer.alloc(0), 0, 0, false);
    done();
  }

  /** Emits pending + chunk[start, end) as one line; `lf` says whether an LF ended it. */
  #emitLine(chunk: Buffer, start: number, end: number, lf: boolean): void {
    let len = this.#pendingLen + (end - start);
    const lastByte = end > start ? chunk[end - 1] : this.#pending[this.#pendingLen - 1];
    const cr = len > 0 && lastByte === CR;
    if (cr) len--;
    if (len === 0) {
      this.#pendingLen = 0;
      this.stats.emptyLines++;
      return;
    }
    // A copy, so the item never pins or aliases the caller's chunk (serial bindings reuse pools).
    const bytes = Buffer.allocUnsafe(len);
    const fromPending = Math.min(this.#pendingLen, len);
    this.#pending.copy(bytes, 0, 0, fromPending);
    if (len > fromPending) chunk.copy(bytes, fromPending, start, start + (len - fromPending));
    this.#pendingLen = 0;
    this.stats.lines++;
    this.push({ kind: 'line', bytes, crlf: cr && lf } satisfies FramedItem);
  }

  #startOverflow(chunk: Buffer, start: number, end: number): void {
    const headPending = this.#pending.subarray(0, Math.min(this.#pendingLen, HEAD_BYTES));
    const headChunk = chunk.subarray(start, Math.min(end, start + HEAD_BYTES - headPending.length));
    this.#overflowHead = printable(Buffer.concat([headPending, headChunk]));
    this.#overflowBytes = 0;
    this.#discard(this.#pendingLen + (end - start));
    this.#pendingLen = 0;
  }

  #discard(n: number): void {
    this.#overflowBytes += n;
    this.stats.discardedBytes += n;
  }

  #endOverflow(): void {
    this.stats.overflows++;
    this.push({
      kind: 'overflow',
      discardedBytes: this.#overflowBytes,
      head: this.#overflowHead,
    } satisfies FramedItem);
    this.#overflowBytes = -1;
    this.#overflowHead = '';
  }
}
