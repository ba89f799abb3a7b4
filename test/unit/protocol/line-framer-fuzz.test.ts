import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAicssLine, encodeAicssLine, encodeBootBanner } from '../../../shared/protocol/aicss-serial.ts';
import type { DecodeResult } from '../../../shared/protocol/decode-result.ts';
import { encodeAicssJsonLine } from '../../../shared/protocol/json-line.ts';
import { type FramedItem, LineFramer } from '../../../shared/protocol/line-framer.ts';
import { LineSplitter } from '../../../shared/protocol/line-splitter.ts';
import { decodeSerialItem } from '../../../shared/protocol/serial-formats.ts';
import { aicssRecordArb, expectedObservation, prng, referenceCrc16 } from './arbitraries.ts';

/**
 * Framer + AICSS decoder fuzz: 100 000 small seeded streams (random bytes, mutated valid streams, garbage
 * before valid lines). Deterministic: the seeds are fixed, so a failure reproduces.
 */

const STREAMS = 100_000;
const MAX = 512; // the AICSS port's framer limit (JSON alternative); AICSS/1 key:value lines stay ≤ 256
// Most fixture records keep only a few keys, so streams stay small and the run stays short; one in four is full.
const records = fc
  .sample(aicssRecordArb, { numRuns: 300, seed: 20241114 })
  .map((rec, i) =>
    i % 4 === 0
      ? rec
      : (Object.fromEntries(
          Object.entries(rec).filter(([k], j) => k === 'MSG' || (i + j) % 5 === 0),
        ) as typeof rec),
  );
const valid = records.map((rec) => {
  const wire = Buffer.from(encodeAicssLine(rec), 'latin1');
  const alone = decodeAicssLine(wire.subarray(0, -2));
  // Checked once here; in the loop a recovered line is compared with its stand-alone decode, as JSON text.
  if (
    !alone.ok ||
    alone.kind !== 'observation' ||
    !isDeepStrictEqual(alone.observation, expectedObservation(rec))
  )
    throw new Error(`fixture line does not decode: ${wire.toString('latin1')}`);
  return { wire, observationJson: JSON.stringify(alone.observation) };
});
const validJson = records.slice(0, 50).map((rec) => Buffer.from(encodeAicssJsonLine(rec), 'latin1'));
const banner = Buffer.from(encodeBootBanner({ firmware: '1.0.0', device: 'a1b2c3' }), 'latin1');
/** Bytes that make noise look like protocol: digits, separators, CR/LF, NUL, `#`, high bytes. */
const NEAR_MISS = Buffer.from('MSG:cs,0123456789.\r\n\r\n\x00#{}"\xff\xe2', 'latin1');

type Rng = ReturnType<typeof prng>;

function noise(rng: Rng, len: number, allowLf: boolean): Buffer {
  const b = Buffer.allocUnsafe(len);
  const biased = rng.next() < 0.5;
  for (let i = 0; i < len; i++) {
    let x = biased ? NEAR_MISS[rng.int(NEAR_MISS.length)]! : rng.int(256);
    if (!allowLf && x === 0x0a) x = 0x20;
    b[i] = x;
  }
  return b;
}

function mutate(rng: Rng, input: Buffer): Buffer {
  let b = input;
  const n = 1 + rng.int(3);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = rng.int(b.length);
    switch (rng.int(7)) {
      case 0: // flip bits
        b = Buffer.from(b);
        b[at] = b[at]! ^ (1 + rng.int(255));
        break;
      case 1: // insert noise
        b = Buffer.concat([b.subarray(0, at), noise(rng, 1 + rng.int(8), true), b.subarray(at)]);
        break;
      case 2: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(6))]);
        break;
      case 3: // lone LF or CR
        b = Buffer.concat([b.subarray(0, at), Buffer.from([rng.next() < 0.5 ? 0x0a : 0x0d]), b.subarray(at)]);
        break;
      case 4: // duplicate a run (a re-sent fragment)
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + rng.int(40)), b.subarray(at)]);
        break;
      case 5: // truncate
        b = b.subarray(0, at);
        break;
      default: // NUL burst
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + rng.int(4)), b.subarray(at)]);
    }
  }
  return b;
}

function split(stream: Buffer, chunkSizes: Rng | undefined): FramedItem[] {
  const s = new LineSplitter(MAX);
  const out: FramedItem[] = [];
  const push = (item: FramedItem) => out.push(item);
  if (!chunkSizes) s.write(stream, push);
  else
    for (let i = 0; i < stream.length; ) {
      const n = chunkSizes.next() < 0.3 ? 1 : 1 + chunkSizes.int(64);
      s.write(stream.subarray(i, i + n), push);
      i += n;
    }
  s.end(push);
  return out;
}

const key = (items: FramedItem[]) =>
  items
    .map((i) =>
      i.kind === 'line'
        ? `L${i.crlf ? 1 : 0}${i.bytes.toString('latin1')}`
        : `O${i.discardedBytes}:${i.head}`,
    )
    .join('\n');

function sameItems(a: FramedItem[], b: FramedItem[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x.kind === 'line' && y.kind === 'line') {
      if (x.crlf !== y.crlf || !x.bytes.equals(y.bytes)) return false;
    } else if (x.kind === 'overflow' && y.kind === 'overflow') {
      if (x.discardedBytes !== y.discardedBytes || x.head !== y.head) return false;
    } else return false;
  }
  return true;
}

/** The checksum of an accepted frame, recomputed independently of the codec. */
function assertChecksumVerifies(item: FramedItem, r: DecodeResult): void {
  if (!r.ok || r.kind !== 'observation' || item.kind !== 'line') return;
  const text = item.bytes.toString('latin1').slice(r.skippedBytes ?? 0);
  const mark = text.startsWith('{') ? ',"cs":' : ',cs:';
  const at = text.lastIndexOf(mark);
  const cs = Number(text.slice(at + mark.length).replace('}', ''));
  if (at < 0 || referenceCrc16(Buffer.from(text.slice(0, at), 'latin1')) !== cs)
    throw new Error(`accepted a frame whose checksum does not verify: ${JSON.stringify(text)}`);
}

describe('framer + decoder fuzz', () => {
  it(`survives ${STREAMS} random and mutated streams: no throw, no bad checksum accepted, lines after garbage recovered, chunking irrelevant`, () => {
    const rng = prng(0x5eed);
    const chunkRng = prng(0xc4c4);
    const tally = { ok: 0, rejected: 0, recovered: 0, resynced: 0 };
    for (let i = 0; i < STREAMS; i++) {
      const kind = i % 4;
      let stream: Buffer;
      /** Valid lines that must come out, in order, as the last items of the stream. */
      let expected: (typeof valid)[number][] = [];
      let noiseBeforeFrame = 0;
      if (kind === 0) stream = noise(rng, rng.int(200), true);
      else if (kind === 1) {
        const parts = [valid[rng.int(valid.length)]!.wire, validJson[rng.int(validJson.length)]!, banner];
        stream = mutate(rng, Buffer.concat(parts.slice(0, 1 + rng.int(3))));
      } else if (kind === 2) {
        // Garbage (sometimes an over-long line) up to a LF, then valid lines.
        expected = [valid[rng.int(valid.length)]!];
        if (rng.next() < 0.5) expected.push(valid[rng.int(valid.length)]!);
        const garbage = noise(rng, rng.next() < 0.1 ? 520 + rng.int(400) : rng.int(80), true);
        stream = Buffer.concat([garbage, Buffer.from('\n'), ...expected.map((v) => v.wire)]);
      } else {
        // Noise with no LF glued to the front of a valid line: the decoder's resync must find the frame.
        expected = [valid[rng.int(valid.length)]!];
        noiseBeforeFrame = Math.min(rng.int(30), 254 - expected[0]!.wire.length);
        stream = Buffer.concat([noise(rng, Math.max(0, noiseBeforeFrame), false), expected[0]!.wire]);
      }

      const items = split(stream, undefined);
      const chunked = split(stream, chunkRng);
      if (!sameItems(chunked, items)) throw new Error(`chunking changed the frames of stream ${i}`);

      const first = items.length - expected.length;
      for (let k = 0; k < items.length; k++) {
        const r = decodeSerialItem('aicss', items[k]!);
        assertChecksumVerifies(items[k]!, r);
        if (r.ok) tally.ok++;
        else tally.rejected++;
        if (k < first) continue;
        const v = expected[k - first]!;
        if (!r.ok || r.kind !== 'observation' || JSON.stringify(r.observation) !== v.observationJson)
          throw new Error(`stream ${i}: valid line not recovered: ${JSON.stringify(r)}`);
        if (kind === 2) tally.recovered++;
        if (r.skippedBytes) tally.resynced++;
      }
      if (first < 0) throw new Error(`stream ${i}: fewer frames than valid lines`);
    }
    // The fuzz really exercised both sides: plenty accepted, plenty refused, every recovery checked.
    expect(tally.recovered).toBeGreaterThan(STREAMS / 4);
    expect(tally.rejected).toBeGreaterThan(STREAMS / 4);
    expect(tally.resynced).toBeGreaterThan(STREAMS / 8);
  });

  it('the real Transform gives the same frames as one synchronous pass, for random chunkings', async () => {
    const rng = prng(0xbeef);
    for (let i = 0; i < 200; i++) {
      const stream = mutate(
        rng,
        Buffer.concat([noise(rng, rng.int(300), true), ...valid.slice(i, i + 3).map((v) => v.wire)]),
      );
      const chunks: Buffer[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = rng.next() < 0.3 ? 1 : 1 + rng.int(100);
        chunks.push(stream.subarray(at, at + n));
        at += n;
      }
      const framer = new LineFramer({ maxLineBytes: MAX });
      const out: FramedItem[] = [];
      await pipeline(Readable.from(chunks), framer, async (src: AsyncIterable<FramedItem>) => {
        for await (const item of src) out.push(item);
      });
      expect(key(out)).toBe(key(split(stream, undefined)));
    }
  });
});
