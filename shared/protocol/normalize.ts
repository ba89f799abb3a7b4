import {
  BOARD_FLAGS,
  GATEWAY_FLAGS,
  MIN_READING_TS,
  Reading,
  type ReadingSource,
} from '../schemas/reading.ts';
import type { Observation, ObservedChannel } from './observation.ts';

/**
 * Observation → Reading: the gateway's normalisation, shared so the simulator's tests and the cloud can
 * reason about the same rules.
 * - Sentinels (-127, 85, 300/302/304 °C, -0.0625) and out-of-range values are dropped field by field and
 *   flagged; the rest of the reading is kept.
 * - An unset or implausible board clock is replaced by the arrival time and flagged; 1970 is never stored.
 */

export interface NormalizeContext {
  device: string;
  boot: number;
  /** Sequence to use when the observation carries none (gateway-numbered sources). */
  seq?: number;
  receivedAt: number;
  source: ReadingSource;
  /** IANA zone for `localTime` (Tasmota); default UTC. */
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
  | { ok: false; code: 'out_of_range' | 'bad_format'; reason: string };

const TEMP_SENTINELS = new Set([-127, 85, 300, 302, 304, -0.0625]);

type Range = readonly [min: number, max: number];
const RANGES = {
  voltageV: [0, 500],
  frequencyHz: [40, 70],
  temperatureC: [-40, 125],
  humidityPct: [0, 100],
  lightRaw: [0, 4095],
  distanceCm: [0, 1000],
  uptimeS: [0, 2 ** 32],
  resetReason: [0, 255],
  currentA: [0, 200],
  powerW: [-100_000, 100_000],
  apparentPowerVa: [0, 100_000],
  powerFactor: [-1, 1],
  energyWh: [0, 2 ** 53],
} as const satisfies Record<string, Range>;

function inRange(v: number, [min, max]: Range): boolean {
  return Number.isFinite(v) && v >= min && v <= max;
}

/** Wall-clock `YYYY-MM-DDTHH:MM:SS` in `timeZone` → epoch ms (DST-correct via Intl). */
export function localTimeToEpochMs(local: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/.exec(local);
  if (!m) return undefined;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (!Number.isFinite(asUtc)) return undefined;
  // Offset of the zone at that instant, applied twice to settle across a DST change.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) guess = asUtc - zoneOffsetMs(guess, timeZone);
  return guess;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(epochMs)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** Boot identity: Unix seconds at which the boot started, from a reading time and the board uptime. */
export function estimateBootS(tsMs: number, uptimeS: number | undefined): number {
  return Math.max(0, Math.floor(tsMs / 1000) - (uptimeS ?? 0));
}

export function toReading(obs: Observation, ctx: NormalizeContext): NormalizeResult {
  const dropped: DroppedField[] = obs.droppedFields.map((field) => ({ field, code: 'nan' as const }));
  let flags = obs.boardFlags & 0xffff;
  const seq = obs.seq ?? ctx.seq;
  if (seq === undefined)
    return { ok: false, code: 'bad_format', reason: 'no sequence number and none assigned' };
  if (obs.seq === undefined) flags |= GATEWAY_FLAGS.SEQ_FROM_GATEWAY;

  // Time: trust the board only when it says it is synced and the value is plausible.
  let ts: number | undefined;
  let boardTs: number | undefined;
  if (obs.epochS !== undefined && obs.epochS > 0) boardTs = obs.epochS * 1000;
  else if (obs.localTime !== undefined) boardTs = localTimeToEpochMs(obs.localTime, ctx.timeZone ?? 'UTC');
  const unsynced = (flags & BOARD_FLAGS.CLOCK_UNSYNCED) !== 0 || obs.epochS === 0;
  if (boardTs !== undefined && !unsynced) {
    if (boardTs >= MIN_READING_TS && boardTs <= ctx.receivedAt + (ctx.maxFutureMs ?? 86_400_000))
      ts = boardTs;
    else flags |= GATEWAY_FLAGS.CLOCK_IMPLAUSIBLE;
  }
  const timeQuality = ts !== undefined ? 'board' : 'gateway';
  if (ts === undefined) {
    ts = ctx.receivedAt;
    flags |= GATEWAY_FLAGS.TIME_FROM_GATEWAY;
  }

  const r: Reading = {
    device: ctx.device,
    boot: ctx.boot,
    seq,
    ts: Math.round(ts),
    timeQuality,
    receivedAt: ctx.receivedAt,
    source: ctx.source,
    channels: [],
    flags: 0,
  };
  const take = <K extends keyof typeof RANGES>(field: K, v: number | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!inRange(v, RANGES[field])) {
      dropped.push({ field, code: Number.isNaN(v) ? 'nan' : 'out_of_range', value: v });
      return undefined;
    }
    return v;
  };
  const set = <K extends keyof typeof RANGES & keyof Reading>(field: K, v: number | undefined) => {
    const x = take(field, v);
    if (x !== undefined) (r as Record<string, unknown>)[field] = x;
  };
  set('uptimeS', obs.uptimeS);
  set('resetReason', obs.resetReason);
  set('voltageV', obs.voltageV);
  set('frequencyHz', obs.frequencyHz);
  if (obs.temperatureC !== undefined && TEMP_SENTINELS.has(obs.temperatureC)) {
    dropped.push({ field: 'temperatureC', code: 'sentinel', value: obs.temperatureC });
  } else set('temperatureC', obs.temperatureC);
  set('humidityPct', obs.humidityPct);
  if (obs.lightRaw !== undefined && !Number.isInteger(obs.lightRaw)) {
    dropped.push({ field: 'lightRaw', code: 'out_of_range', value: obs.lightRaw });
  } else set('lightRaw', obs.lightRaw);
  set('distanceCm', obs.distanceCm);
  if (obs.lampInternal !== undefined) r.lampInternal = obs.lampInternal;
  if (obs.lampExternal !== undefined) r.lampExternal = obs.lampExternal;
  for (const [i, ch] of obs.channels.slice(0, 8).entries()) {
    const out: ObservedChannel = {};
    for (const k of ['currentA', 'powerW', 'apparentPowerVa', 'powerFactor', 'energyWh'] as const) {
      const v = take(k, ch[k]);
      if (v !== undefined) out[k] = v;
      else if (ch[k] !== undefined) dropped[dropped.length - 1]!.field = `channels[${i}].${k}`;
    }
    r.channels.push(out);
  }
  if (dropped.some((d) => d.code !== 'out_of_range')) flags |= GATEWAY_FLAGS.SENTINEL_DROPPED;
  if (dropped.some((d) => d.code === 'out_of_range')) flags |= GATEWAY_FLAGS.VALUE_OUT_OF_RANGE;
  r.flags = flags;

  // The schema is the contract: a reading that does not pass it is never stored.
  const parsed = Reading.safeParse(r);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, code: 'out_of_range', reason: `${first?.path.join('.')}: ${first?.message}` };
  }
  return { ok: true, reading: parsed.data, dropped };
}
