import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LineFramer } from './line-framer.ts';
import { type FramedItem, LineSplitter } from './line-splitter.ts';
import { decodeSerialItem, SERIAL_MAX_LINE_BYTES, type SerialFormat } from './serial-formats.ts';

/**
 * The serial decode rate for `npm run bench:sim`: the same bytes through (a) the real path, `LineFramer`
 * (a stream Transform) + `decodeSerialItem`; (b) the same framing and decoding without the stream
 * (`LineSplitter` called directly), which shows what the stream machinery costs; and (c) the raw limit of this
 * machine, a bare `indexOf` split that allocates nothing and checks nothing. All run in the same process,
 * one after the other, each for `seconds`.
 */

export interface FramerThroughputOptions {
  /** Wire lines, e.g. from the simulator's encoder; a line without a trailing LF gets CRLF appended. */
  lines: readonly (string | Uint8Array)[];
  /** Time spent on each of the two measurements, s. Default 2. */
  seconds?: number;
  format?: SerialFormat;
  /** Size of the chunks fed to the framer (a serial read returns small pieces). Default 4096. */
  chunkBytes?: number;
}

export interface FramerThroughput {
  /** Lines per second through LineFramer + decodeSerialItem. */
  framerLinesPerS: number;
  /** Lines per second through LineSplitter + decodeSerialItem, no stream. */
  splitterLinesPerS: number;
  /** Lines per second of a bare `Buffer.indexOf` split of the same bytes. */
  rawLinesPerS: number;
  /** framerLinesPerS ÷ rawLinesPerS. */
  ratio: number;
  /** Lines processed by the framer measurement, and how many of them decoded ok / were rejected. */
  lines: number;
  ok: number;
  rejected: number;
  bytesPerPass: number;
}

function toWire(lines: FramerThroughputOptions['lines']): Buffer {
  return Buffer.concat(
    lines.map((l) => {
      const b = typeof l === 'string' ? Buffer.from(l, 'latin1') : Buffer.from(l);
      return b[b.length - 1] === 0x0a ? b : Buffer.concat([b, Buffer.from('\r\n')]);
    }),
  );
}

function rawPass(wire: Buffer): number {
  let n = 0;
  for (let at = wire.indexOf(0x0a); at >= 0; at = wire.indexOf(0x0a, at + 1)) n++;
  return n;
}

export async function measureFramerDecodeRate(opts: FramerThroughputOptions): Promise<FramerThroughput> {
  const wire = toWire(opts.lines);
  const budgetMs = (opts.seconds ?? 2) * 1000;
  const format = opts.format ?? 'aicss';
  const chunkBytes = Math.max(1, opts.chunkBytes ?? 4096);
  const chunks: Buffer[] = [];
  for (let i = 0; i < wire.length; i += chunkBytes) chunks.push(wire.subarray(i, i + chunkBytes));
  if (chunks.length === 0) throw new RangeError('measureFramerDecodeRate: no lines given');

  // Warm-up, so the first measurement does not pay for the JIT.
  const warm = new LineSplitter(SERIAL_MAX_LINE_BYTES[format]);
  for (let i = 0; i < 3; i++) for (const c of chunks) warm.write(c, (item) => decodeSerialItem(format, item));

  let rawLines = 0;
  const rawStart = performance.now();
  while (performance.now() - rawStart < budgetMs) rawLines += rawPass(wire);
  const rawSeconds = (performance.now() - rawStart) / 1000;

  const splitter = new LineSplitter(SERIAL_MAX_LINE_BYTES[format]);
  let splitLines = 0;
  const count = (item: FramedItem) => {
    splitLines++;
    decodeSerialItem(format, item);
  };
  const splitStart = performance.now();
  while (performance.now() - splitStart < budgetMs) for (const c of chunks) splitter.write(c, count);
  const splitSeconds = (performance.now() - splitStart) / 1000;

  let lines = 0;
  let ok = 0;
  let rejected = 0;
  const start = performance.now();
  const deadline = start + budgetMs;
  // One long stream, fed until the deadline, so stream set-up is not part of the figure.
  function* feed() {
    while (performance.now() < deadline) yield* chunks;
  }
  const sink = new Writable({
    objectMode: true,
    write(item: FramedItem, _enc, done) {
      lines++;
      if (decodeSerialItem(format, item).ok) ok++;
      else rejected++;
      done();
    },
  });
  await pipeline(
    Readable.from(feed(), { objectMode: false }),
    new LineFramer({ maxLineBytes: SERIAL_MAX_LINE_BYTES[format] }),
    sink,
  );
  const seconds = (performance.now() - start) / 1000;
  const framerLinesPerS = lines / seconds;
  const rawLinesPerS = rawLines / rawSeconds;
  return {
    framerLinesPerS,
    splitterLinesPerS: splitLines / splitSeconds,
    rawLinesPerS,
    ratio: framerLinesPerS / rawLinesPerS,
    lines,
    ok,
    rejected,
    bytesPerPass: wire.length,
  };
}
