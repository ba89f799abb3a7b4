import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../../shared/errors.ts';
import { decodeCp1252 } from './cp1252.ts';

export type AneelEncoding = 'utf-8' | 'windows-1252';

export interface DecodeOptions {
  /** Bytes looked at before deciding the encoding (default 64 KiB). */
  prefixBytes?: number;
  /** Skip detection (a restart after a late invalid UTF-8 byte forces windows-1252). */
  encoding?: AneelEncoding;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Turns an ANEEL file of unknown encoding into UTF-8 bytes (aneel.md §7.1): a UTF-8 BOM is stripped; a prefix
 * that is valid UTF-8 means UTF-8, anything else is read as cp1252 (not Latin-1: 0x96 is the en dash of
 * `Tarifa Social – faixa 01`). The prefix is cut at a character boundary, so a multibyte character split
 * across chunks never decides the encoding. In UTF-8 mode every later chunk is still validated (split
 * sequences are carried over); an invalid byte fails with `unsupported_encoding` and
 * `details.restartAs = 'windows-1252'` so the loader can start over with the right decoder.
 */
export class AneelDecoder extends Transform {
  encoding: AneelEncoding | undefined;
  private readonly prefixBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private carry: Buffer = Buffer.alloc(0);
  private bytesIn = 0;

  constructor(opts: DecodeOptions = {}) {
    super();
    this.prefixBytes = opts.prefixBytes ?? 64 * 1024;
    this.encoding = opts.encoding;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      if (this.encoding === undefined) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        if (this.pendingBytes >= this.prefixBytes) this.decide(Buffer.concat(this.pending), false);
      } else this.convert(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.encoding === undefined) this.decide(Buffer.concat(this.pending), true);
      if (this.carry.length > 0) throw this.invalid(this.bytesIn - this.carry.length);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private decide(prefix: Buffer, atEnd: boolean): void {
    this.pending = [];
    let body = prefix;
    let bom = false;
    if (body.subarray(0, 3).equals(BOM)) {
      body = body.subarray(3);
      this.bytesIn = 3;
      bom = true;
    }
    const complete = atEnd ? body.length : completeLength(body);
    this.encoding = bom || isUtf8(body.subarray(0, complete)) ? 'utf-8' : 'windows-1252';
    this.convert(body);
  }

  private convert(chunk: Buffer): void {
    if (this.encoding === 'windows-1252') {
      this.bytesIn += chunk.length;
      // cp1252 is one byte per character, so a chunk boundary never splits one
      this.push(Buffer.from(decodeCp1252(chunk), 'utf8'));
      return;
    }
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const n = completeLength(buf);
    const whole = buf.subarray(0, n);
    if (!isUtf8(whole)) throw this.invalid(this.bytesIn);
    this.bytesIn += n;
    this.carry = Buffer.from(buf.subarray(n));
    if (this.carry.length > 4) throw this.invalid(this.bytesIn);
    if (whole.length > 0) this.push(whole);
  }

  private invalid(at: number): AppError {
    return new AppError(
      'unsupported_encoding',
      `invalid UTF-8 near byte ${at} after the start of the file looked like UTF-8`,
      { details: { restartAs: 'windows-1252', byte: at } },
    );
  }
}

/**
 * Length of `buf` without a trailing, still incomplete UTF-8 sequence (at most 3 bytes held back). Bytes
 * that cannot start a sequence are left in, so the validity check rejects them.
 */
export function completeLength(buf: Buffer): number {
  const end = buf.length;
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const b = buf[i]!;
    if (b < 0x80) return end;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return end - i < need ? i : end;
    }
  }
  return end;
}
