import fc from 'fast-check';
import type { AicssRecord } from '../../../shared/protocol/aicss-serial.ts';
import type { Observation, ObservedChannel } from '../../../shared/protocol/observation.ts';

/**
 * Generators for the protocol tests. Values are drawn at wire precision (V in tenths, I in thousandths, …)
 * so an encode → decode round trip must return them exactly.
 */

const fixed = (min: number, max: number, dp: number) =>
  fc.integer({ min: Math.round(min * 10 ** dp), max: Math.round(max * 10 ** dp) }).map((n) => n / 10 ** dp);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 4 });

export const aicssRecordArb: fc.Arbitrary<AicssRecord> = fc
  .record({
    MSG: fc.integer({ min: 0, max: 0xffffffff }),
    t: maybe(fc.oneof(fc.constant(0), fc.integer({ min: 1_600_000_000, max: 2_100_000_000 }))),
    up: maybe(fc.integer({ min: 0, max: 0xffffffff })),
    rst: maybe(fc.constantFrom(1, 3, 4, 5, 6, 7, 9)),
    V: maybe(fixed(0, 300, 1)),
    F: maybe(fixed(45, 65, 1)),
    I1: maybe(fixed(0, 100, 3)),
    P1: maybe(fc.integer({ min: -5000, max: 20000 })),
    VA1: maybe(fc.integer({ min: 0, max: 20000 })),
    PF1: maybe(fixed(0, 1, 2)),
    E1: maybe(fc.integer({ min: 0, max: 2 ** 40 })),
    I2: maybe(fixed(0, 100, 3)),
    P2: maybe(fc.integer({ min: -5000, max: 20000 })),
    VA2: maybe(fc.integer({ min: 0, max: 20000 })),
    PF2: maybe(fixed(0, 1, 2)),
    E2: maybe(fc.integer({ min: 0, max: 2 ** 40 })),
    T1: maybe(fixed(-40, 80, 1)),
    RH1: maybe(fixed(0, 100, 1)),
    ldr: maybe(fc.integer({ min: 0, max: 4095 })),
    dist: maybe(fc.integer({ min: 2, max: 400 })),
    led_in: maybe(fc.constantFrom(0, 1)),
    led_ext: maybe(fc.constantFrom(0, 1)),
    st: maybe(fc.integer({ min: 0, max: 0x1ff })),
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as AicssRecord);

/** What a decoder must extract from an AICSS record, written out field by field (not via the decoder's table). */
export function expectedObservation(rec: AicssRecord): Observation {
  const o: Observation = { channels: [], boardFlags: rec.st ?? 0, droppedFields: [], seq: rec.MSG };
  if (rec.t !== undefined) o.epochS = rec.t;
  if (rec.up !== undefined) o.uptimeS = rec.up;
  if (rec.rst !== undefined) o.resetReason = rec.rst;
  if (rec.V !== undefined) o.voltageV = rec.V;
  if (rec.F !== undefined) o.frequencyHz = rec.F;
  const chans: ObservedChannel[] = [
    { currentA: rec.I1, powerW: rec.P1, apparentPowerVa: rec.VA1, powerFactor: rec.PF1, energyWh: rec.E1 },
    { currentA: rec.I2, powerW: rec.P2, apparentPowerVa: rec.VA2, powerFactor: rec.PF2, energyWh: rec.E2 },
  ].map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)));
  if (Object.keys(chans[1]!).length > 0) o.channels = chans;
  else if (Object.keys(chans[0]!).length > 0) o.channels = [chans[0]!];
  if (rec.T1 !== undefined) o.temperatureC = rec.T1;
  if (rec.RH1 !== undefined) o.humidityPct = rec.RH1;
  if (rec.ldr !== undefined) o.lightRaw = rec.ldr;
  if (rec.dist !== undefined) o.distanceCm = rec.dist;
  if (rec.led_in !== undefined) o.lampInternal = rec.led_in === 1;
  if (rec.led_ext !== undefined) o.lampExternal = rec.led_ext === 1;
  return o;
}

/** An independent CRC-16/CCITT-FALSE, bit by bit as in the spec (not the codec's code). */
export function bitwiseCrc16(bytes: Uint8Array): number {
  let c = 0xffff;
  for (const b of bytes) {
    c ^= b << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

/** The same, table-driven for speed in the fuzz; the table is built from the bitwise version. */
const REF_TABLE = Array.from({ length: 256 }, (_, i) => {
  let c = i << 8;
  for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  return c;
});
export function referenceCrc16(bytes: Uint8Array): number {
  let c = 0xffff;
  for (let i = 0; i < bytes.length; i++) c = ((c << 8) & 0xffff) ^ REF_TABLE[((c >> 8) ^ bytes[i]!) & 0xff]!;
  return c;
}

/** A small, seedable PRNG (mulberry32) for the framer fuzz: deterministic and fast. */
export function prng(seed: number): { next(): number; int(max: number): number } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (max: number) => Math.floor(next() * max) };
}
