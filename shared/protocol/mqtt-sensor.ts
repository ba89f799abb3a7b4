import { BOARD_FLAGS } from '../schemas/reading.ts';
import type { AicssRecord } from './aicss-serial.ts';
import { type DecodeResult, reject } from './decode-result.ts';
import { emptyObservation, type Observation, type ObservedChannel } from './observation.ts';

/**
 * `tele/<device>/SENSOR` payloads (protocol.md §4.2): the AICSS JSON (Tasmota field names, `Time` in UTC
 * with `Z`, `Seq`/`Epoch` extras, `null` for invalid) and real Tasmota `ENERGY` payloads (scalars or arrays,
 * `Time` local without a zone, kWh totals).
 */

export interface SensorExtras {
  /** ISO time of the energy counters' origin. */
  totalStartTime?: string;
  todayWh?: number[];
  yesterdayWh?: number[];
  /** Wh since the previous SENSOR message, per channel. */
  periodWh?: number[];
  restartReason?: string;
}

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;
const arr = (a: (number | undefined)[], dp: number) => a.map((v) => (v === undefined ? null : round(v, dp)));

const RESTART_NAMES: Record<number, string> = {
  1: 'Power on',
  3: 'Software/System restart',
  4: 'Exception',
  5: 'Hardware Watchdog',
  6: 'Software Watchdog',
  7: 'Hardware Watchdog',
  9: 'Brownout',
};

/** AICSS SENSOR JSON from the same record the serial encoder takes, so both outputs agree. */
export function encodeAicssSensor(rec: AicssRecord, extras: SensorExtras = {}): string {
  const st = rec.st ?? 0;
  const synced = (st & BOARD_FLAGS.CLOCK_UNSYNCED) === 0 && (rec.t ?? 0) > 0;
  const ch = [1, 2] as const;
  const g = (k: string) => (rec as Record<string, number | undefined>)[k];
  const energy = {
    TotalStartTime: extras.totalStartTime ?? null,
    Total: ch.map((n) => (g(`E${n}`) === undefined ? null : round(g(`E${n}`)! / 1000, 3))),
    Yesterday: arr(
      (extras.yesterdayWh ?? []).map((v) => v / 1000),
      3,
    ),
    Today: arr(
      (extras.todayWh ?? []).map((v) => v / 1000),
      3,
    ),
    Period: arr(extras.periodWh ?? [], 2),
    Power: ch.map((n) => (g(`P${n}`) === undefined ? null : Math.round(g(`P${n}`)!))),
    ApparentPower: ch.map((n) => (g(`VA${n}`) === undefined ? null : Math.round(g(`VA${n}`)!))),
    ReactivePower: ch.map((n) => {
      const p = g(`P${n}`);
      const va = g(`VA${n}`);
      return p === undefined || va === undefined ? null : Math.round(Math.sqrt(Math.max(0, va * va - p * p)));
    }),
    Factor: ch.map((n) => (g(`PF${n}`) === undefined ? null : round(g(`PF${n}`)!, 2))),
    Frequency: rec.F === undefined ? null : round(rec.F, 1),
    Voltage: rec.V === undefined ? null : round(rec.V, 1),
    Current: ch.map((n) => (g(`I${n}`) === undefined ? null : round(g(`I${n}`)!, 3))),
  };
  const status: Record<string, unknown> = { Flags: st, ClockSynced: synced };
  if (rec.rst !== undefined)
    status.RestartReason = extras.restartReason ?? RESTART_NAMES[rec.rst] ?? `Reset ${rec.rst}`;
  if (rec.rst !== undefined) status.ResetCode = rec.rst;
  if (st & BOARD_FLAGS.ENERGY_RESTORED) status.EnergyRestored = true;
  const payload = {
    Time: synced ? new Date(rec.t! * 1000).toISOString().replace('.000Z', 'Z') : null,
    Epoch: synced ? rec.t! : 0,
    Seq: rec.MSG,
    Uptime: rec.up ?? null,
    ENERGY: energy,
    AM2301: { Temperature: rec.T1 ?? null, Humidity: rec.RH1 ?? null },
    LDR: { Raw: rec.ldr ?? null },
    SR04: { Distance: rec.dist ?? null },
    Lights: { Internal: rec.led_in ?? null, External: rec.led_ext ?? null },
    Status: status,
    TempUnit: 'C',
  };
  return JSON.stringify(payload);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObj = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field that may be a scalar or an array; `null`/non-number entries become undefined (invalid reading). */
function perChannel(v: Json | undefined): (number | undefined)[] | undefined {
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined));
}
function scalar(v: Json | undefined): number | undefined {
  if (Array.isArray(v)) return scalar(v[0]);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export const MAX_SENSOR_PAYLOAD_BYTES = 8192;

/** Decodes a SENSOR payload: AICSS JSON or any Tasmota payload with an ENERGY object. Never throws. */
export function decodeSensorPayload(payload: Uint8Array | string): DecodeResult {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  if (text.length > MAX_SENSOR_PAYLOAD_BYTES) return reject('too_long', `payload ${text.length} bytes`, text);
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (e) {
    return reject('bad_json', (e as Error).message, text);
  }
  if (!isObj(doc)) return reject('bad_format', 'payload is not a JSON object', text);
  const o: Observation = emptyObservation();
  const dropped = o.droppedFields;

  if (typeof doc.Seq === 'number') {
    if (!Number.isInteger(doc.Seq) || doc.Seq < 0 || doc.Seq > 0xffffffff)
      return reject('bad_value', 'Seq is not a uint32', text);
    o.seq = doc.Seq;
  }
  if (typeof doc.Epoch === 'number' && Number.isFinite(doc.Epoch)) o.epochS = doc.Epoch;
  else if (typeof doc.Time === 'string') {
    // AICSS sends UTC with Z; Tasmota sends local time without a zone (the source's time zone applies).
    if (doc.Time.endsWith('Z')) {
      const ms = Date.parse(doc.Time);
      if (Number.isFinite(ms)) o.epochS = Math.floor(ms / 1000);
    } else o.localTime = doc.Time;
  }
  if (typeof doc.Uptime === 'number') o.uptimeS = doc.Uptime;

  const status = isObj(doc.Status) ? doc.Status : undefined;
  if (status && typeof status.Flags === 'number') o.boardFlags = status.Flags;
  if (status && status.ClockSynced === false) o.boardFlags |= BOARD_FLAGS.CLOCK_UNSYNCED;
  if (status && typeof status.ResetCode === 'number') o.resetReason = status.ResetCode;

  const e = isObj(doc.ENERGY) ? doc.ENERGY : undefined;
  if (e) {
    o.voltageV = scalar(e.Voltage);
    o.frequencyHz = scalar(e.Frequency);
    const cols: [keyof ObservedChannel, (number | undefined)[] | undefined, number][] = [
      ['currentA', perChannel(e.Current), 1],
      ['powerW', perChannel(e.Power), 1],
      ['apparentPowerVa', perChannel(e.ApparentPower), 1],
      ['powerFactor', perChannel(e.Factor), 1],
      ['energyWh', perChannel(e.Total), 1000], // kWh on the wire
    ];
    const n = Math.max(0, ...cols.map(([, v]) => v?.length ?? 0));
    for (let i = 0; i < n; i++) {
      const ch: ObservedChannel = {};
      for (const [k, vals, scale] of cols) {
        const v = vals?.[i];
        if (v !== undefined) ch[k] = scale === 1 ? v : Math.round(v * scale * 1000) / 1000;
      }
      o.channels.push(ch);
    }
    if (e.Voltage === null) dropped.push('Voltage');
  }
  const am = isObj(doc.AM2301) ? doc.AM2301 : isObj(doc.DHT22) ? doc.DHT22 : undefined;
  if (am) {
    o.temperatureC = scalar(am.Temperature);
    o.humidityPct = scalar(am.Humidity);
    if (am.Temperature === null || typeof am.Temperature === 'string') dropped.push('Temperature');
  }
  if (isObj(doc.LDR)) o.lightRaw = scalar(doc.LDR.Raw);
  if (isObj(doc.SR04)) o.distanceCm = scalar(doc.SR04.Distance);
  if (isObj(doc.Lights)) {
    const li = doc.Lights.Internal;
    const le = doc.Lights.External;
    if (li === 0 || li === 1) o.lampInternal = li === 1;
    if (le === 0 || le === 1) o.lampExternal = le === 1;
  }
  for (const k of Object.keys(o) as (keyof Observation)[]) if (o[k] === undefined) delete o[k];
  if (!e && o.seq === undefined && o.lightRaw === undefined && o.temperatureC === undefined) {
    return reject('bad_format', 'no ENERGY object and no AICSS fields', text);
  }
  return { ok: true, kind: 'observation', observation: o };
}
