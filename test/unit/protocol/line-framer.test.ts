import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { encodeAicssLine } from '../../../shared/protocol/aicss-serial.ts';
import { type FramedItem, LineFramer } from '../../../shared/protocol/line-framer.ts';
import { LineSplitter } from '../../../shared/protocol/line-splitter.ts';

/** Runs bytes through a real LineFramer stream, in the given chunks, and collects what comes out. */
async function frame(chunks: (Buffer | string)[], maxLineBytes?: number) {
  const framer = new LineFramer(maxLineBytes === undefined ? {} : { maxLineBytes });
  const items: FramedItem[] = [];
  await pipeline(
    Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c))),
    framer,
    async (source: AsyncIterable<FramedItem>) => {
      for await (const item of source) items.push(item);
    },
  );
  return { items, stats: framer.stats };
}

const line = (text: string, crlf = true): FramedItem => ({
  kind: 'line',
  bytes: Buffer.from(text, 'latin1'),
  crlf,
});
const DAY = encodeAicssLine({ MSG: 1042, t: 1731616535, V: 127.3, P1: 60, E1: 1532, st: 0 });

describe('LineFramer', () => {
  it('splits CRLF lines, reports a missing CR, and flushes a last unterminated line', async () => {
    const { items, stats } = await frame([`${DAY}abc\ndef`]);
    expect(items).toEqual([line(DAY.slice(0, -2)), line('abc', false), line('def', false)]);
    expect(stats).toEqual({ lines: 3, overflows: 0, discardedBytes: 0, emptyLines: 0 });
  });

  it('gives the same lines whatever the chunk boundaries, down to one byte per chunk', async () => {
    const input = Buffer.from(`${DAY}\u0000\u00ff\r\n${DAY}# AICSS fw=1 id=x boot\r\n\r\nMSG:1`, 'latin1');
    const whole = await frame([input]);
    const bytewise = await frame([...input].map((b) => Buffer.from([b])));
    const cutAtCr = await frame([input.subarray(0, DAY.length - 1), input.subarray(DAY.length - 1)]);
    expect(bytewise.items).toEqual(whole.items);
    expect(cutAtCr.items).toEqual(whole.items);
    expect(whole.items.map((i) => i.kind === 'line' && i.crlf)).toEqual([true, true, true, true, false]);
  });

  it('passes NUL and binary noise through inside the line (the decoder judges it)', async () => {
    const { items } = await frame([Buffer.from([0x00, 0x41, 0x00, 0xfe, 0x0d, 0x0a])]);
    expect(items).toEqual([{ kind: 'line', bytes: Buffer.from([0x00, 0x41, 0x00, 0xfe]), crlf: true }]);
  });

  it('skips empty lines but counts them', async () => {
    const { items, stats } = await frame(['\r\n\n\r\nA\r\n']);
    expect(items).toEqual([line('A')]);
    expect(stats.emptyLines).toBe(3);
  });

  it('accepts a line of exactly maxLineBytes (CRLF included) and drops one byte more', async () => {
    const ok = `${'a'.repeat(254)}\r\n`;
    const long = `${'b'.repeat(255)}\r\n`;
    const { items, stats } = await frame([ok, long, 'next\r\n']);
    expect(items).toEqual([
      line('a'.repeat(254)),
      { kind: 'overflow', discardedBytes: 257, head: 'b'.repeat(32) },
      line('next'),
    ]);
    expect(stats).toEqual({ lines: 2, overflows: 1, discardedBytes: 257, emptyLines: 0 });
  });

  it('drops an endless line without holding it, then resynchronises at the next LF', async () => {
    const splitter = new LineSplitter(256);
    const out: FramedItem[] = [];
    const noise = Buffer.alloc(64 * 1024, 0x55);
    for (let i = 0; i < 160; i++) splitter.write(noise, (item) => out.push(item)); // 10 MiB, no LF
    expect(out).toEqual([]);
    expect(splitter.stats.discardedBytes).toBe(160 * noise.length);
    splitter.write(Buffer.from(`tail\n${DAY}`), (item) => out.push(item));
    expect(out).toEqual([
      { kind: 'overflow', discardedBytes: 160 * noise.length + 5, head: 'U'.repeat(32) },
      line(DAY.slice(0, -2)),
    ]);
  });

  it('reports an over-long line still open at the end of input', async () => {
    const { items } = await frame(['x'.repeat(300)], 100);
    expect(items).toEqual([{ kind: 'overflow', discardedBytes: 300, head: 'x'.repeat(32) }]);
  });

  it('escapes noise in the head of an over-long line', async () => {
    const { items } = await frame([
      Buffer.concat([Buffer.from([0, 0xff]), Buffer.alloc(300, 0x41), Buffer.from('\n')]),
    ]);
    expect(items[0]).toMatchObject({ kind: 'overflow', head: `\\x00\\xff${'A'.repeat(30)}` });
  });

  it('copies line bytes, so reusing the input chunk cannot change an emitted line', () => {
    const splitter = new LineSplitter();
    const out: FramedItem[] = [];
    const chunk = Buffer.from('hello\r\n');
    splitter.write(chunk, (item) => out.push(item));
    chunk.fill(0x7a);
    expect(out).toEqual([line('hello')]);
  });
});
