import { BOARD_FLAGS } from '../schemas/reading.ts';
import { bytesToText, type DecodeResult, reject } from './decode-result.ts';
import { emptyObservation, type Observation, type ObservedChannel } from './observation.ts';
import { RESTART_NAMES } from './sensor-encoders.ts';

/**
 * `tele/<device>/SENSOR` payloads (protocol.md §4.2): the AICSS JSON (Tasmota field names, `Time` in UTC
 * with `Z`, `Seq`/`Epoch` extras, `null` for invalid) and real Tasmota `ENERGY` payloads (§2.4: scalars or
 * arrays, `Time` local without a zone, kWh totals). `null` means "not measured" (as an omitted serial key);
 * a `nan` (bare or quoted) or any other non-number is an invalid reading and is listed in `droppedFields`.
 */

export { encodeAicssSensor, encodeTasmotaSensor, type SensorExtras } from './sensor-encoders.ts';

export const MAX_SENSOR_PAYLOAD_BYTES = 8192;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObj = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Firmware that builds JSON by hand prints `nan` bare (protocol.md §3.2 #1); read it as an invalid value. */
const BARE_INVALID_RE = /(:\s*|\[\s*|,\s*)-?(?:nan|inf|infinity|ovf)(?=\s*[,}\]])/gi;
const INVALID_MARK = 'nan';
const ZONED_TIME_RE = /(Z|[+-]\d{2}:?\d{2})$/;
const RESTART_CODES = new Map(
  Object.entries(RESTART_NAMES).map(([code, name]) => [name.toLowerCase(), +code]),
);
/** Tasmota sensor objects that carry the ambient temperature/humidity (not the meter chip's `BL09XX`). */
const CLIMATE_SENSORS = ['AM2301', 'DHT22', 'DHT11', 'SI7021', 'BME280', 'SHT3X', 'DS18B20'] as const;

/**
 * A number, or undefined for absent/null; anything else is an invalid reading, recorded in `dropped` as
 * `name` (or `name[index]`, built only then: this runs for every field of every message).
 */
function num(v: Json | undefined, name: string, dropped: string[], index = -1): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  dropped.push(index < 0 ? name : `${name}[${index}]`);
  return undefined;
}

/** A field that should be one value (Voltage); the first entry of an array. */
function one(v: Json | undefined, name: string, dropped: string[]): number | undefined {
  return Array.isArray(v) ? num(v[0], name, dropped, 0) : num(v, name, dropped);
}

/** Entry `i` of a field that may be a scalar (one channel) or an array (one entry per channel). */
function entry(v: Json | undefined, i: number, name: string, dropped: string[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return i === 0 ? num(v, name, dropped) : undefined;
  return i < v.length ? num(v[i], name, dropped, i) : undefined;
}

const width = (v: Json | undefined): number =>
  v === undefined || v === null ? 0 : Array.isArray(v) ? v.length : 1;

function parse(text: string): { ok: true; doc: Json } | { ok: false; reason: string } {
  try {
    return { ok: true, doc: JSON.parse(text) as Json };
  } catch (e) {
    try {
      return { ok: true, doc: JSON.parse(text.replace(BARE_INVALID_RE, `$1"${INVALID_MARK}"`)) as Json };
    } catch {
      return { ok: false, reason: (e as Error).message };
    }
  }
}

function readTime(doc: Record<string, Json>, o: Observation): void {
  if (typeof doc.Epoch === 'number' && Number.isFinite(doc.Epoch)) {
    o.epochS = doc.Epoch;
    return;
  }
  if (typeof doc.Time !== 'string') return;
  // AICSS sends UTC with Z; Tasmota sends local time without a zone (the source's time zone applies).
  if (ZONED_TIME_RE.test(doc.Time)) {
    const ms = Date.parse(doc.Time);
    if (Number.isFinite(ms)) o.epochS = Math.floor(ms / 1000);
  } else o.localTime = doc.Time;
}

function readEnergy(e: Record<string, Json>, o: Observation, dropped: string[]): void {
  const v = one(e.Voltage, 'ENERGY.Voltage', dropped);
  if (v !== undefined) o.voltageV = v;
  const f = one(e.Frequency, 'ENERGY.Frequency', dropped);
  if (f !== undefined) o.frequencyHz = f;
  const { Current, Power, ApparentPower, Factor, Total } = e;
  const n = Math.min(
    8,
    Math.max(width(Current), width(Power), width(ApparentPower), width(Factor), width(Total)),
  );
  for (let i = 0; i < n; i++) {
    const ch: ObservedChannel = {};
    const a = entry(Current, i, 'ENERGY.Current', dropped);
    if (a !== undefined) ch.currentA = a;
    const p = entry(Power, i, 'ENERGY.Power', dropped);
    if (p !== undefined) ch.powerW = p;
    const va = entry(ApparentPower, i, 'ENERGY.ApparentPower', dropped);
    if (va !== undefined) ch.apparentPowerVa = va;
    const pf = entry(Factor, i, 'ENERGY.Factor', dropped);
    if (pf !== undefined) ch.powerFactor = pf;
    // kWh with 3 decimals on the wire → whole Wh; rounding removes the binary noise of ×1000.
    const kwh = entry(Total, i, 'ENERGY.Total', dropped);
    if (kwh !== undefined) ch.energyWh = Math.round(kwh * 1000 * 1000) / 1000;
    o.channels.push(ch);
  }
  // AICSS always sends two-entry arrays; trailing channels with nothing measured carry no reading.
  while (o.channels.length > 0 && isEmpty(o.channels[o.channels.length - 1]!)) o.channels.pop();
}

function isEmpty(ch: ObservedChannel): boolean {
  for (const _ in ch) return false;
  return true;
}

function readStatus(doc: Record<string, Json>, o: Observation, dropped: string[]): string | undefined {
  const status = isObj(doc.Status) ? doc.Status : undefined;
  if (!status) return undefined;
  const flags = num(status.Flags, 'Status.Flags', dropped);
  if (flags !== undefined) {
    if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff)
      return `Status.Flags ${flags} is not a uint16`;
    o.boardFlags = flags;
  }
  if (status.ClockSynced === false) o.boardFlags |= BOARD_FLAGS.CLOCK_UNSYNCED;
  if (status.EnergyRestored === true) o.boardFlags |= BOARD_FLAGS.ENERGY_RESTORED;
  const code = num(status.ResetCode, 'Status.ResetCode', dropped);
  if (code !== undefined) o.resetReason = code;
  else if (typeof status.RestartReason === 'string') {
    const known = RESTART_CODES.get(status.RestartReason.toLowerCase());
    if (known !== undefined) o.resetReason = known;
  }
  return undefined;
}

/** Decodes a SENSOR payload: AICSS JSON or any Tasmota payload with an ENERGY object. Never throws. */
export function decodeSensorPayload(payload: Uint8Array | string): DecodeResult {
  const text = bytesToText(payload, 'utf8');
  if (text.length > MAX_SENSOR_PAYLOAD_BYTES) return reject('too_long', `payload ${text.length} bytes`, text);
  const parsed = parse(text);
  if (!parsed.ok) return reject('bad_json', parsed.reason, text);
  const doc = parsed.doc;
  if (!isObj(doc)) return reject('bad_format', 'payload is not a JSON object', text);
  const o: Observation = emptyObservation();
  const dropped = o.droppedFields;

  const seq = num(doc.Seq, 'Seq', dropped);
  if (seq !== undefined) {
    if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff)
      return reject('bad_value', 'Seq is not a uint32', text);
    o.seq = seq;
  }
  readTime(doc, o);
  const up = num(doc.Uptime, 'Uptime', dropped);
  if (up !== undefined) o.uptimeS = up;
  const statusProblem = readStatus(doc, o, dropped);
  if (statusProblem) return reject('bad_value', statusProblem, text);

  const e = isObj(doc.ENERGY) ? doc.ENERGY : undefined;
  if (e) readEnergy(e, o, dropped);
  for (const key of CLIMATE_SENSORS) {
    const c = doc[key];
    if (!isObj(c)) continue;
    const t = num(c.Temperature, `${key}.Temperature`, dropped);
    if (t !== undefined) o.temperatureC = t;
    const h = num(c.Humidity, `${key}.Humidity`, dropped);
    if (h !== undefined) o.humidityPct = h;
    break;
  }
  if (isObj(doc.LDR)) {
    const l = num(doc.LDR.Raw, 'LDR.Raw', dropped);
    if (l !== undefined) o.lightRaw = l;
  }
  if (isObj(doc.SR04)) {
    const d = num(doc.SR04.Distance, 'SR04.Distance', dropped);
    if (d !== undefined) o.distanceCm = d;
  }
  if (isObj(doc.Lights)) {
    const li = doc.Lights.Internal;
    const le = doc.Lights.External;
    if (li === 0 || li === 1) o.lampInternal = li === 1;
    if (le === 0 || le === 1) o.lampExternal = le === 1;
  }
  if (!e && o.seq === undefined && o.lightRaw === undefined && o.temperatureC === undefined) {
    return reject('bad_format', 'no ENERGY object and no AICSS fields', text);
  }
  return { ok: true, kind: 'observation', observation: o };
}
