import { z } from 'zod';

/**
 * The one normalised reading every source maps to (AICSS/1 serial, AICSS MQTT, Tasmota ENERGY, emonTx,
 * the original firmware's legacy line and HTTP JSON). Units are in the field names.
 *
 * Missing is absent: a value the board could not read (NaN, a sentinel such as -127/85/300 °C, an echo
 * timeout) is left out and a bit is set in `flags`; it is never stored as 0 or as the sentinel.
 */

/** AICSS `st` bits as sent by the board (protocol.md §4.1). */
export const BOARD_FLAGS = {
  CLOCK_UNSYNCED: 0x01,
  V_ABSENT: 0x02,
  TEMP_FAIL: 0x04,
  LDR_SATURATED: 0x08,
  DIST_TIMEOUT: 0x10,
  CT_CLIPPED: 0x20,
  ENERGY_RESTORED: 0x40,
  REPLAYED: 0x80,
  METER_COMM_FAIL: 0x100,
} as const;

/** Bits the gateway adds above the board's 16 bits: how the reading was repaired on the way in. */
export const GATEWAY_FLAGS = {
  /** `ts` is the gateway's arrival time, not the board's clock. */
  TIME_FROM_GATEWAY: 0x1_0000,
  /** A sentinel or NaN was removed from at least one field. */
  SENTINEL_DROPPED: 0x2_0000,
  /** The source has no sequence number; the gateway numbered the reading. */
  SEQ_FROM_GATEWAY: 0x4_0000,
  /** The board reported a time that could not be right (e.g. 1970); replaced by the arrival time. */
  CLOCK_IMPLAUSIBLE: 0x8_0000,
  /** At least one value was outside its physical range and was left out. */
  VALUE_OUT_OF_RANGE: 0x10_0000,
} as const;

export const FLAG_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries({ ...BOARD_FLAGS, ...GATEWAY_FLAGS }).map(([k, v]) => [v, k]),
);

/** Names of the bits set in a flags value, for logs and the dashboard. */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of Object.entries(FLAG_NAMES)) if (flags & Number(bit)) out.push(name);
  return out;
}

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const DeviceId = z
  .string()
  .regex(DEVICE_ID_PATTERN, 'device id: 1-64 chars of [A-Za-z0-9_.-], starting with a letter or digit')
  .describe('Device id, e.g. `aicss-a1b2c3` (Tasmota-style topic name)');

/** 2000-01-01T00:00:00Z: anything earlier is an unset board clock, never a reading time. */
export const MIN_READING_TS = 946_684_800_000;

export const TimeQuality = z
  .enum(['board', 'gateway', 'unknown'])
  .describe(
    '`board`: the board clock (NTP-synced) stamped the reading; `gateway`: the board clock was unset, the gateway stamped it on arrival; `unknown`: neither could be trusted',
  );
export type TimeQuality = z.infer<typeof TimeQuality>;

export const ReadingSource = z
  .enum(['serial', 'mqtt', 'http', 'sim'])
  .describe('How the reading reached the gateway');
export type ReadingSource = z.infer<typeof ReadingSource>;

export const ChannelReading = z
  .object({
    currentA: z.number().min(0).max(200).optional().describe('RMS current, A'),
    powerW: z.number().min(-100_000).max(100_000).optional().describe('Real power, W (negative = export)'),
    apparentPowerVa: z.number().min(0).max(100_000).optional().describe('Apparent power, VA'),
    powerFactor: z.number().min(-1).max(1).optional().describe('Power factor, −1…1'),
    energyWh: z
      .number()
      .min(0)
      .max(2 ** 53)
      .optional()
      .describe('Cumulative imported energy, Wh; resets only when the board loses its counter'),
  })
  .strict();
export type ChannelReading = z.infer<typeof ChannelReading>;

export const Reading = z
  .object({
    device: DeviceId,
    boot: z
      .number()
      .int()
      .min(0)
      .describe(
        'Boot identity: Unix seconds at which this boot of the board started, as first estimated by the gateway (board clock − uptime, else arrival − uptime). Constant for every reading of one boot; with `seq` it identifies a reading.',
      ),
    seq: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .describe(
        'Sequence number within the boot (AICSS `MSG`); numbered by the gateway when the source has none',
      ),
    ts: z
      .number()
      .int()
      .min(MIN_READING_TS)
      .describe('Reading time, Unix epoch milliseconds UTC (never 1970: see timeQuality)'),
    timeQuality: TimeQuality,
    receivedAt: z.number().int().min(MIN_READING_TS).describe('When the gateway received it, epoch ms UTC'),
    source: ReadingSource,
    uptimeS: z.number().int().min(0).optional().describe('Board uptime, s'),
    resetReason: z
      .number()
      .int()
      .min(0)
      .max(255)
      .optional()
      .describe('ESP-IDF esp_reset_reason code on the first record after a boot (9 = brownout)'),
    voltageV: z.number().min(0).max(500).optional().describe('Mains RMS voltage, V'),
    frequencyHz: z.number().min(40).max(70).optional().describe('Line frequency, Hz'),
    channels: z
      .array(ChannelReading)
      .max(8)
      .describe(
        'Per metered circuit; AICSS channel 1 = internal lamp circuit, channel 2 = external lamp circuit',
      ),
    temperatureC: z.number().min(-40).max(125).optional().describe('Ambient temperature, °C (DHT22)'),
    humidityPct: z.number().min(0).max(100).optional().describe('Relative humidity, %'),
    lightRaw: z
      .number()
      .int()
      .min(0)
      .max(4095)
      .optional()
      .describe('LDR, raw ADC counts 0–4095 (dark < 2000)'),
    distanceCm: z
      .number()
      .min(0)
      .max(1000)
      .optional()
      .describe('HC-SR04 distance, cm (absent on echo timeout)'),
    lampInternal: z.boolean().optional().describe('Internal lamp commanded on'),
    lampExternal: z.boolean().optional().describe('External lamp commanded on'),
    flags: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .describe('Low 16 bits: the board `st` bitmask (BOARD_FLAGS); above: GATEWAY_FLAGS'),
  })
  .strict();
export type Reading = z.infer<typeof Reading>;

/** The idempotency key of a reading: the same key twice is the same reading. */
export function readingKey(r: Pick<Reading, 'device' | 'boot' | 'seq'>): string {
  return `${r.device}/${r.boot}/${r.seq}`;
}

/** Where a value breaks the `Reading` schema: the top-level field of the first issue, and why. */
export interface ReadingIssue {
  path: string;
  message: string;
}

type Bounds = readonly [min: number, max: number, integer: boolean];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TIME_QUALITIES: ReadonlySet<unknown> = new Set(TimeQuality.options);
const SOURCES: ReadonlySet<unknown> = new Set(ReadingSource.options);
const READING_KEYS: ReadonlySet<string> = new Set(Object.keys(Reading.shape));
const CHANNEL_KEYS: ReadonlySet<string> = new Set(Object.keys(ChannelReading.shape));

/** The schema's bounds of each numeric field; integers are safe integers, as zod's `.int()`. */
const B = {
  boot: [0, MAX_SAFE, true],
  seq: [0, 2 ** 32 - 1, true],
  ts: [MIN_READING_TS, MAX_SAFE, true],
  receivedAt: [MIN_READING_TS, MAX_SAFE, true],
  uptimeS: [0, MAX_SAFE, true],
  resetReason: [0, 255, true],
  voltageV: [0, 500, false],
  frequencyHz: [40, 70, false],
  temperatureC: [-40, 125, false],
  humidityPct: [0, 100, false],
  lightRaw: [0, 4095, true],
  distanceCm: [0, 1000, false],
  flags: [0, 2 ** 31 - 1, true],
  currentA: [0, 200, false],
  powerW: [-100_000, 100_000, false],
  apparentPowerVa: [0, 100_000, false],
  powerFactor: [-1, 1, false],
  energyWh: [0, 2 ** 53, false],
} as const satisfies Record<string, Bounds>;

/** Whether `v` breaks the bounds (NaN and ±∞ do: every bound is finite). */
function outside(v: unknown, b: Bounds): boolean {
  return typeof v !== 'number' || !(v >= b[0] && v <= b[1]) || (b[2] && !Number.isInteger(v));
}

/** Why `v` is outside `b` (only called once `outside` said so). */
function why(path: string, v: unknown, [min, max, integer]: Bounds): ReadingIssue {
  const message =
    typeof v !== 'number' || !Number.isFinite(v)
      ? 'expected a finite number'
      : integer && !Number.isInteger(v)
        ? 'expected an integer'
        : v < min
          ? `below ${min}`
          : `above ${max}`;
  return { path, message };
}

/** An optional field: absent (undefined) passes. */
function optionalOutside(v: unknown, b: Bounds): boolean {
  return v !== undefined && outside(v, b);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function channelProblem(c: unknown): string | undefined {
  if (!isPlainObject(c)) return 'expected an object';
  let issue: ReadingIssue | undefined;
  if (optionalOutside(c.currentA, B.currentA)) issue = why('currentA', c.currentA, B.currentA);
  else if (optionalOutside(c.powerW, B.powerW)) issue = why('powerW', c.powerW, B.powerW);
  else if (optionalOutside(c.apparentPowerVa, B.apparentPowerVa))
    issue = why('apparentPowerVa', c.apparentPowerVa, B.apparentPowerVa);
  else if (optionalOutside(c.powerFactor, B.powerFactor))
    issue = why('powerFactor', c.powerFactor, B.powerFactor);
  else if (optionalOutside(c.energyWh, B.energyWh)) issue = why('energyWh', c.energyWh, B.energyWh);
  if (issue) return `${issue.path}: ${issue.message}`;
  for (const key in c) if (!CHANNEL_KEYS.has(key)) return `unknown key ${key}`;
  return undefined;
}

/**
 * The `Reading` schema as plain code, for the ingest hot path: a zod parse costs more than decoding the
 * message. Accepts exactly what `Reading.safeParse` accepts, and names the same top-level field as the
 * first zod issue, checking fields in the schema's order (test/unit/protocol/reading-check.property.test.ts
 * proves both against the schema's own bounds, taken from `z.toJSONSchema(Reading)`; change one, the
 * property test fails until the other follows). The schema stays the contract everywhere else.
 */
export function checkReading(r: unknown): ReadingIssue | undefined {
  if (!isPlainObject(r)) return { path: '', message: 'expected an object' };
  const device = r.device;
  if (typeof device !== 'string' || !DEVICE_ID_PATTERN.test(device))
    return { path: 'device', message: 'not a device id' };
  if (outside(r.boot, B.boot)) return why('boot', r.boot, B.boot);
  if (outside(r.seq, B.seq)) return why('seq', r.seq, B.seq);
  if (outside(r.ts, B.ts)) return why('ts', r.ts, B.ts);
  if (!TIME_QUALITIES.has(r.timeQuality)) return { path: 'timeQuality', message: 'not a time quality' };
  if (outside(r.receivedAt, B.receivedAt)) return why('receivedAt', r.receivedAt, B.receivedAt);
  if (!SOURCES.has(r.source)) return { path: 'source', message: 'not a reading source' };
  if (optionalOutside(r.uptimeS, B.uptimeS)) return why('uptimeS', r.uptimeS, B.uptimeS);
  if (optionalOutside(r.resetReason, B.resetReason)) return why('resetReason', r.resetReason, B.resetReason);
  if (optionalOutside(r.voltageV, B.voltageV)) return why('voltageV', r.voltageV, B.voltageV);
  if (optionalOutside(r.frequencyHz, B.frequencyHz)) return why('frequencyHz', r.frequencyHz, B.frequencyHz);
  const channels = r.channels;
  if (!Array.isArray(channels)) return { path: 'channels', message: 'expected an array' };
  for (let i = 0; i < channels.length; i++) {
    const p = channelProblem(channels[i]);
    if (p) return { path: 'channels', message: `[${i}] ${p}` };
  }
  if (channels.length > 8) return { path: 'channels', message: 'more than 8 channels' };
  if (optionalOutside(r.temperatureC, B.temperatureC))
    return why('temperatureC', r.temperatureC, B.temperatureC);
  if (optionalOutside(r.humidityPct, B.humidityPct)) return why('humidityPct', r.humidityPct, B.humidityPct);
  if (optionalOutside(r.lightRaw, B.lightRaw)) return why('lightRaw', r.lightRaw, B.lightRaw);
  if (optionalOutside(r.distanceCm, B.distanceCm)) return why('distanceCm', r.distanceCm, B.distanceCm);
  if (r.lampInternal !== undefined && typeof r.lampInternal !== 'boolean')
    return { path: 'lampInternal', message: 'expected a boolean' };
  if (r.lampExternal !== undefined && typeof r.lampExternal !== 'boolean')
    return { path: 'lampExternal', message: 'expected a boolean' };
  if (outside(r.flags, B.flags)) return why('flags', r.flags, B.flags);
  for (const key in r) if (!READING_KEYS.has(key)) return { path: '', message: `unknown key ${key}` };
  return undefined;
}
