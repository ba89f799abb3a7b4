import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type NormalizeContext,
  normalizeObservation,
  toReading,
} from '../../../shared/protocol/normalize.ts';
import type { Observation } from '../../../shared/protocol/observation.ts';
import { checkReading, Reading } from '../../../shared/schemas/reading.ts';

/**
 * The ingest validates readings with `checkReading` (plain code) instead of `Reading.safeParse` (zod) on
 * its hot path. These properties prove the two cannot drift:
 *  1. on any object, hostile ones included, `checkReading` accepts exactly what the schema accepts, and
 *     names the same top-level field as the schema's first issue (what `toReading` maps to a reject code);
 *  2. whatever observation and context the ingest gets, `toReading` accepts a reading exactly when the
 *     schema accepts the normalised candidate, and what it returns passes `Reading.parse` unchanged.
 * The boundary values come from the schema itself (`z.toJSONSchema(Reading)`), not from `checkReading`'s
 * table: moving a bound in the schema alone makes property 1 fail.
 */

interface JsonProp {
  type?: string;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  pattern?: string;
  items?: { properties: Record<string, JsonProp> };
}
const json = z.toJSONSchema(Reading) as { properties: Record<string, JsonProp>; required: string[] };
const CHANNEL_PROPS = json.properties.channels!.items!.properties;

/** Values at, just inside and just outside each bound, plus the classic hostile ones. */
function edges(p: JsonProp): unknown[] {
  const out: unknown[] = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    null,
    '1',
    true,
    -0,
  ];
  if (p.minimum !== undefined && p.maximum !== undefined) {
    const { minimum: lo, maximum: hi } = p;
    out.push(lo, hi, lo - 1, hi + 1, lo - 0.5, hi + 0.5, lo + 0.5, (lo + hi) / 2, Math.floor((lo + hi) / 2));
    out.push(
      lo - Number.EPSILON * Math.max(1, Math.abs(lo)) * 4,
      hi + Number.EPSILON * Math.max(1, Math.abs(hi)) * 4,
    );
    out.push(2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 60);
  }
  if (p.enum) out.push(...p.enum, 'BOARD', '');
  if (p.type === 'boolean') out.push(false, 0, 1, 'true');
  if (p.pattern) out.push('aicss-a1', '-bad', 'a'.repeat(64), 'a'.repeat(65), 'ok_.-9', 'tab\there', '');
  return out;
}

function valueArb(p: JsonProp): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...edges(p)) },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.integer({ min: -10, max: 5000 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
  );
}

const VALID_CHANNEL = { currentA: 0.5, powerW: 60, apparentPowerVa: 63, powerFactor: 0.95, energyWh: 1532 };
const VALID: Record<string, unknown> = {
  device: 'aicss-a1b2c3',
  boot: 1_731_530_135,
  seq: 42,
  ts: 1_731_616_535_000,
  timeQuality: 'board',
  receivedAt: 1_731_616_535_100,
  source: 'mqtt',
  uptimeS: 86_400,
  resetReason: 1,
  voltageV: 127.2,
  frequencyHz: 60,
  channels: [VALID_CHANNEL, { ...VALID_CHANNEL, powerW: 100 }],
  temperatureC: 24.5,
  humidityPct: 58.2,
  lightRaw: 1450,
  distanceCm: 87,
  lampInternal: true,
  lampExternal: false,
  flags: 0x10000,
};

const channelArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(VALID_CHANNEL) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...Object.keys(CHANNEL_PROPS)), fc.constantFrom(...Object.values(CHANNEL_PROPS)))
      .chain(([key]) => valueArb(CHANNEL_PROPS[key]!).map((v) => ({ ...VALID_CHANNEL, [key]: v }))),
  },
  { weight: 1, arbitrary: fc.constant({ ...VALID_CHANNEL, extra: 1 }) },
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);

/** A mutation of the valid reading: 1-4 fields replaced, removed or added. */
const mutationArb = fc.oneof(
  fc
    .constantFrom(...Object.keys(json.properties))
    .chain((key) =>
      key === 'channels'
        ? fc.array(channelArb, { maxLength: 10 }).map((v): [string, unknown, 'set'] => [key, v, 'set'])
        : valueArb(json.properties[key]!).map((v): [string, unknown, 'set'] => [key, v, 'set']),
    ),
  fc
    .constantFrom(...Object.keys(json.properties))
    .map((key): [string, unknown, 'delete'] => [key, undefined, 'delete']),
  fc
    .constantFrom('extra', 'Device', '__proto__x', 'flags2')
    .map((key): [string, unknown, 'set'] => [key, 1, 'set']),
  fc
    .constantFrom(...Object.keys(json.properties))
    .map((key): [string, unknown, 'set'] => [key, undefined, 'set']),
);

const hostileReadingArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 4 }).map((muts) => {
      const r: Record<string, unknown> = { ...VALID };
      for (const [key, value, op] of muts) {
        if (op === 'delete') delete r[key];
        else r[key] = value;
      }
      return r;
    }),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

function zodVerdict(x: unknown): string | undefined {
  const r = Reading.safeParse(x);
  if (r.success) return undefined;
  return String(r.error.issues[0]?.path[0] ?? '');
}

describe('checkReading ≡ Reading.safeParse', () => {
  it('the schema bounds this test draws its edges from are there', () => {
    expect(json.required).toEqual(
      expect.arrayContaining(['device', 'boot', 'seq', 'ts', 'channels', 'flags']),
    );
    expect(json.properties.voltageV).toMatchObject({ minimum: 0, maximum: 500 });
    expect(Object.keys(CHANNEL_PROPS)).toHaveLength(5);
  });

  it('the valid base reading passes both', () => {
    expect(checkReading(VALID)).toBeUndefined();
    expect(Reading.safeParse(VALID).success).toBe(true);
  });

  it('accept and reject the same objects, first issue on the same field (property, hostile objects)', () => {
    fc.assert(
      fc.property(hostileReadingArb, (x) => {
        const fast = checkReading(x);
        expect(fast?.path).toBe(zodVerdict(x));
      }),
      { numRuns: 10_000 },
    );
  });
});

const num = fc.option(
  fc.oneof(
    fc.double(),
    fc.integer({ min: -200, max: 5000 }),
    fc.constantFrom(0, -127, 85, 300, 304, -0.0625, 2 ** 32, 2 ** 53, -1, 4095.5, 1e300),
  ),
  { nil: undefined },
);
const observationArb: fc.Arbitrary<Observation> = fc
  .record({
    seq: fc.option(fc.oneof(fc.integer({ min: -5, max: 2 ** 33 }), fc.double()), { nil: undefined }),
    epochS: num,
    localTime: fc.option(fc.oneof(fc.string({ maxLength: 25 }), fc.constant('2024-11-14T17:35:40')), {
      nil: undefined,
    }),
    uptimeS: num,
    resetReason: num,
    voltageV: num,
    frequencyHz: num,
    temperatureC: num,
    humidityPct: num,
    lightRaw: num,
    distanceCm: num,
    lampInternal: fc.option(fc.boolean(), { nil: undefined }),
    lampExternal: fc.option(fc.boolean(), { nil: undefined }),
    channels: fc.array(
      fc.record({ currentA: num, powerW: num, apparentPowerVa: num, powerFactor: num, energyWh: num }),
      { maxLength: 10 },
    ),
    boardFlags: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -5, max: 2 ** 31 })),
    droppedFields: fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
  })
  .map((o) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
    return out as unknown as Observation;
  });

const contextArb: fc.Arbitrary<NormalizeContext> = fc
  .record({
    device: fc.oneof(
      fc.constantFrom('aicss-a1b2c3', 'plug_01', 'x'.repeat(64)),
      fc.string({ maxLength: 70 }),
    ),
    boot: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(-1, 0.5, 2 ** 60, Number.NaN)),
    seq: fc.option(fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(-1, 2 ** 32, 1.5)), {
      nil: undefined,
    }),
    receivedAt: fc.oneof(
      fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
      fc.constantFrom(0, 946_684_799_999, 1.5e12 + 0.5),
    ),
    source: fc.constantFrom('serial', 'mqtt', 'http', 'sim'),
    timeZone: fc.constantFrom('UTC', 'America/Sao_Paulo'),
  })
  .map((c) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v;
    return out as unknown as NormalizeContext;
  });

describe('toReading accepts exactly what the schema accepts', () => {
  it('on random and hostile observations and contexts (property)', () => {
    fc.assert(
      fc.property(observationArb, contextArb, (obs, ctx) => {
        const result = toReading(obs, ctx);
        const n = normalizeObservation(obs, ctx);
        if ('missingSeq' in n) {
          expect(result.ok).toBe(false);
          return;
        }
        const schema = Reading.safeParse(n.reading);
        expect(result.ok).toBe(schema.success);
        if (result.ok) expect(Reading.parse(result.reading)).toEqual(result.reading);
        else if (!schema.success) {
          const field = String(schema.error.issues[0]?.path[0] ?? '');
          const code =
            field === 'device'
              ? 'unknown_device'
              : field === 'boot' || field === 'seq'
                ? 'bad_format'
                : 'out_of_range';
          expect(result.code).toBe(code);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
