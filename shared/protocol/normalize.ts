import {
  BOARD_FLAGS,
  type ChannelReading,
  checkReading,
  GATEWAY_FLAGS,
  MIN_READING_TS,
  type Reading,
  type ReadingSource,
} from '../schemas/reading.ts';
import { localTimeToEpochMs } from './local-time.ts';
import type { Observation } from './observation.ts';

export { isKnownTimeZone, localTimeToEpochMs } from './local-time.ts';

/**
 * Observation → Reading: the gateway's normalisation, shared so the simulator's tests and the cloud can
 * reason about the same rules.
 * - A sentinel (-127, 85, 300/302/304, -0.0625 °C; a 0 cm echo timeout), NaN/∞, and an out-of-range or
 *   non-integer value are dropped field by field and flagged; the rest of the reading is kept.
 * - An unset or implausible board clock (t = 0, `st & 1`, 1970, far future) is replaced by the arrival time
 *   and flagged; 1970 is never stored.
 */

export interface NormalizeContext {
  device: string;
  boot: number;
  /** Sequence to use when the observation carries none (gateway-numbered sources). */
  seq?: number;
  /** Arrival time at the gateway, epoch ms. */
  receivedAt: number;
  source: ReadingSource;
  /** IANA zone for `localTime` (Tasmota `Time`); default UTC. An unknown zone makes the board time unusable. */
  timeZone?: string;
  /** Board clock more than this far ahead of the gateway is implausible. Default 24 h. */
  maxFutureMs?: number;
}

export interface DroppedField {
  field: string;
  code: 'sentinel' | 'out_of_range' | 'nan';
  value?: number;
}

export type NormalizeResult =
  | { ok: true; reading: Reading; dropped: DroppedField[] }
  | { ok: false; code: 'out_of_range' | 'bad_format' | 'unknown_device'; reason: string };

/** DS18B20/DallasTemperature (-127, 85, -0.0625) and EmonLibCM (300/302/304) "no reading" values, °C. */
export const TEMPERATURE_SENTINELS: ReadonlySet<number> = new Set([-127, 85, 300, 302, 304, -0.0625]);

type Range = readonly [min: number, max: number, integer?: boolean];
/** Physical ranges (kept equal to the Reading schema's bounds, so a value that passes here passes there). */
const RANGES = {
  voltageV: [0, 500],
  frequencyHz: [40, 70],
  temperatureC: [-40, 125],
  humidityPct: [0, 100],
  lightRaw: [0, 4095, true],
  distanceCm: [0, 1000],
  uptimeS: [0, 2 ** 32, true],
  resetReason: [0, 255, true],
  currentA: [0, 200],
  powerW: [-100_000, 100_000],
  apparentPowerVa: [0, 100_000],
  powerFactor: [-1, 1],
  energyWh: [0, 2 ** 53],
} as const satisfies Record<string, Range>;
const CHANNEL_FIELDS = ['currentA', 'powerW', 'apparentPowerVa', 'powerFactor', 'energyWh'] as const;

/** Boot identity: Unix seconds at which the boot started, from a reading time and the board uptime. */
export function estimateBootS(tsMs: number, uptimeS: number | undefined): number {
  return Math.max(0, Math.floor(tsMs / 1000) - (uptimeS ?? 0));
}

/** The reading time and how far to trust it. */
function readingTime(obs: Observation, ctx: NormalizeContext, boardFlags: number) {
  let flags = 0;
  let boardTs: number | undefined;
  if (obs.epochS !== undefined && obs.epochS > 0) boardTs = obs.epochS * 1000;
  else if (obs.localTime !== undefined) boardTs = localTimeToEpochMs(obs.localTime, ctx.timeZone ?? 'UTC');
  const unsynced = (boardFlags & BOARD_FLAGS.CLOCK_UNSYNCED) !== 0 || obs.epochS === 0;
  const plausible =
    boardTs !== undefined &&
    Number.isFinite(boardTs) &&
    boardTs >= MIN_READING_TS &&
    boardTs <= ctx.receivedAt + (ctx.maxFutureMs ?? 86_400_000);
  if (!unsynced && plausible) return { ts: Math.round(boardTs!), timeQuality: 'board' as const, flags };
  // A board that says it is synced but sends 1970 (or a local time we cannot place) is lying: flag it.
  if (!unsynced && (boardTs !== undefined || obs.localTime !== undefined))
    flags |= GATEWAY_FLAGS.CLOCK_IMPLAUSIBLE;
  return {
    ts: ctx.receivedAt,
    timeQuality: 'gateway' as const,
    flags: flags | GATEWAY_FLAGS.TIME_FROM_GATEWAY,
  };
}

/**
 * A numeric field's value if usable, else undefined with the reason appended to `dropped` under `field`
 * (`channels[i].field` for a channel's; the name is built only then, this runs for every field).
 */
function take(
  bounds: Range,
  v: number | undefined,
  dropped: DroppedField[],
  field: string,
  channel = -1,
): number | undefined {
  if (v === undefined) return undefined;
  let code: DroppedField['code'];
  if (!Number.isFinite(v)) code = 'nan';
  else if (v < bounds[0] || v > bounds[1] || (bounds[2] === true && !Number.isInteger(v)))
    code = 'out_of_range';
  else return v;
  dropped.push({ field: channel < 0 ? field : `channels[${channel}].${field}`, code, value: v });
  return undefined;
}

/**
 * The normalisation itself: the reading `toReading` would return, before the schema check. Exported for
 * the property test that proves the fast check and the schema agree on everything this produces.
 */
export function normalizeObservation(
  obs: Observation,
  ctx: NormalizeContext,
): { reading: Reading; dropped: DroppedField[] } | { missingSeq: true } {
  const dropped: DroppedField[] = [];
  for (const field of obs.droppedFields) dropped.push({ field, code: 'nan' });
  let flags = obs.boardFlags & 0xffff;
  const seq = obs.seq ?? ctx.seq;
  if (seq === undefined) return { missingSeq: true };
  if (obs.seq === undefined) flags |= GATEWAY_FLAGS.SEQ_FROM_GATEWAY;
  const time = readingTime(obs, ctx, flags);
  flags |= time.flags;

  const r: Reading = {
    device: ctx.device,
    boot: ctx.boot,
    seq,
    ts: time.ts,
    timeQuality: time.timeQuality,
    receivedAt: ctx.receivedAt,
    source: ctx.source,
    channels: [],
    flags: 0,
  };
  let v = take(RANGES.uptimeS, obs.uptimeS, dropped, 'uptimeS');
  if (v !== undefined) r.uptimeS = v;
  v = take(RANGES.resetReason, obs.resetReason, dropped, 'resetReason');
  if (v !== undefined) r.resetReason = v;
  v = take(RANGES.voltageV, obs.voltageV, dropped, 'voltageV');
  if (v !== undefined) r.voltageV = v;
  v = take(RANGES.frequencyHz, obs.frequencyHz, dropped, 'frequencyHz');
  if (v !== undefined) r.frequencyHz = v;
  if (obs.temperatureC !== undefined && TEMPERATURE_SENTINELS.has(obs.temperatureC))
    dropped.push({ field: 'temperatureC', code: 'sentinel', value: obs.temperatureC });
  else {
    v = take(RANGES.temperatureC, obs.temperatureC, dropped, 'temperatureC');
    if (v !== undefined) r.temperatureC = v;
  }
  v = take(RANGES.humidityPct, obs.humidityPct, dropped, 'humidityPct');
  if (v !== undefined) r.humidityPct = v;
  v = take(RANGES.lightRaw, obs.lightRaw, dropped, 'lightRaw');
  if (v !== undefined) r.lightRaw = v;
  // An HC-SR04 cannot measure below 2 cm: 0 is pulseIn's echo timeout (protocol.md §1.2, §3.2 #10).
  if (obs.distanceCm === 0) {
    dropped.push({ field: 'distanceCm', code: 'sentinel', value: 0 });
    flags |= BOARD_FLAGS.DIST_TIMEOUT;
  } else {
    v = take(RANGES.distanceCm, obs.distanceCm, dropped, 'distanceCm');
    if (v !== undefined) r.distanceCm = v;
  }
  if (obs.lampInternal !== undefined) r.lampInternal = obs.lampInternal;
  if (obs.lampExternal !== undefined) r.lampExternal = obs.lampExternal;
  if (obs.channels.length > 8)
    dropped.push({ field: 'channels', code: 'out_of_range', value: obs.channels.length });
  const n = Math.min(8, obs.channels.length);
  for (let i = 0; i < n; i++) {
    const ch = obs.channels[i]!;
    const out: ChannelReading = {};
    for (const k of CHANNEL_FIELDS) {
      const x = ch[k];
      if (x === undefined) continue;
      const y = take(RANGES[k], x, dropped, k, i);
      if (y !== undefined) out[k] = y;
    }
    r.channels.push(out);
  }
  for (const d of dropped)
    flags |= d.code === 'out_of_range' ? GATEWAY_FLAGS.VALUE_OUT_OF_RANGE : GATEWAY_FLAGS.SENTINEL_DROPPED;
  r.flags = flags;
  return { reading: r, dropped };
}

/**
 * Observation → schema-valid Reading, or why not. The `Reading` schema is the contract, enforced here by
 * `checkReading` (the same rules as `Reading.safeParse`, proven equal by a property test) because a zod
 * parse per reading cost more than the rest of the ingest together.
 */
export function toReading(obs: Observation, ctx: NormalizeContext): NormalizeResult {
  const n = normalizeObservation(obs, ctx);
  if ('missingSeq' in n)
    return { ok: false, code: 'bad_format', reason: 'no sequence number and none assigned' };
  const issue = checkReading(n.reading);
  if (issue === undefined) return { ok: true, reading: n.reading, dropped: n.dropped };
  const code =
    issue.path === 'device'
      ? 'unknown_device'
      : issue.path === 'boot' || issue.path === 'seq'
        ? 'bad_format'
        : 'out_of_range';
  return { ok: false, code, reason: `${issue.path}: ${issue.message}` };
}
