import { printable } from './decode-result.ts';

/**
 * The framing logic itself, synchronous and stream-free (LineFramer wraps it in a Transform; tests and
 * benchmarks drive it directly). A line ends at LF; a CR before it is removed and reported as `crlf: true`
 * (AICSS/1 requires CRLF, the decoder decides).
 *
 * It survives anything a UART delivers: chunk boundaries anywhere, noise and NUL bytes (passed on inside
 * the line; the decoder rejects them), lines that never end. A line longer than `maxLineBytes` (terminator
 * included) is dropped, reported once as an `overflow` item when its LF arrives (or at the end), and
 * framing resumes with the next line. Memory stays bounded: at most `maxLineBytes - 1` bytes are ever held,
 * however long the line. Empty lines (a bare CRLF, common when a terminal is attached) are only counted.
 */

export type FramedItem =
  | { kind: 'line'; bytes: Buffer; crlf: boolean }
  | { kind: 'overflow'; discardedBytes: number; head: string };

export interface LineSplitterStats {
  lines: number;
  overflows: number;
  /** Bytes thrown away inside over-long lines (terminators included). */
  discardedBytes: number;
  /** Zero-length lines skipped. */
  emptyLines: number;
}

export const DEFAULT_MAX_LINE_BYTES = 256;
const LF = 0x0a;
const CR = 0x0d;
/** How much of a dropped line is kept for the log. */
const HEAD_BYTES = 32;
const NO_BYTES = Buffer.alloc(0);

export class LineSplitter {
  readonly stats: LineSplitterStats = { lines: 0, overflows: 0, discardedBytes: 0, emptyLines: 0 };
  readonly maxLineBytes: number;
  /** The unterminated tail of the stream, at most `maxLineBytes - 1` bytes (the LF would make it the max). */
  readonly #pending: Buffer;
  #pendingLen = 0;
  /** Inside an over-long line: bytes dropped so far, until the next LF; -1 otherwise. */
  #overflowBytes = -1;
  #overflowHead = '';

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.maxLineBytes = Math.max(2, Math.floor(maxLineBytes));
    this.#pending = Buffer.allocUnsafe(this.maxLineBytes);
  }

  /** Frames `chunk`, calling `emit` for every complete line or dropped over-long line. */
  write(chunk: Buffer, emit: (item: FramedItem) => void): void {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const terminated = lf >= 0;
      const end = terminated ? lf : chunk.length;
      if (this.#overflowBytes >= 0) {
        this.#discard(end - start + (terminated ? 1 : 0));
        if (terminated) this.#endOverflow(emit);
      } else if (this.#pendingLen + (end - start) > this.maxLineBytes - 1) {
        this.#startOverflow(chunk, start, end);
        if (terminated) {
          this.#discard(1);
          this.#endOverflow(emit);
        }
      } else if (!terminated) {
        chunk.copy(this.#pending, this.#pendingLen, start, end);
        this.#pendingLen += end - start;
      } else {
        this.#emitLine(chunk, start, end, true, emit);
      }
      start = end + 1;
    }
  }

  /** End of input: an unterminated last line is emitted with `crlf: false`. */
  end(emit: (item: FramedItem) => void): void {
    if (this.#overflowBytes >= 0) this.#endOverflow(emit);
    else if (this.#pendingLen > 0) this.#emitLine(NO_BYTES, 0, 0, false, emit);
  }

  /** Emits pending + chunk[start, end) as one line; `lf` says whether an LF ended it. */
  #emitLine(chunk: Buffer, start: number, end: number, lf: boolean, emit: (item: FramedItem) => void): void {
    let len = this.#pendingLen + (end - start);
    const last = end > start ? chunk[end - 1] : this.#pending[this.#pendingLen - 1];
    const cr = len > 0 && last === CR;
    if (cr) len--;
    if (len === 0) {
      this.#pendingLen = 0;
      this.stats.emptyLines++;
      return;
    }
    // A copy, so an item never aliases the caller's chunk (serial bindings read into shared pools).
    const bytes = Buffer.allocUnsafe(len);
    const fromPending = Math.min(this.#pendingLen, len);
    this.#pending.copy(bytes, 0, 0, fromPending);
    if (len > fromPending) chunk.copy(bytes, fromPending, start, start + (len - fromPending));
    this.#pendingLen = 0;
    this.stats.lines++;
    emit({ kind: 'line', bytes, crlf: cr && lf });
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

  #endOverflow(emit: (item: FramedItem) => void): void {
    this.stats.overflows++;
    const item: FramedItem = {
      kind: 'overflow',
      discardedBytes: this.#overflowBytes,
      head: this.#overflowHead,
    };
    this.#overflowBytes = -1;
    this.#overflowHead = '';
    emit(item);
  }
}
