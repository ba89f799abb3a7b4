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

class Reader {
  constructor(readonly dropped: string[]) {}
  /** A number, or undefined for absent/null; anything else is an invalid reading and is recorded. */
  num(v: Json | undefined, name: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    this.dropped.push(name);
    return undefined;
  }
  /** A field that may be a scalar (one channel) or an array (one entry per channel). */
  list(v: Json | undefined, name: string): (number | undefined)[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return [this.num(v, name)];
    return v.map((x, i) => this.num(x, `${name}[${i}]`));
  }
  /** A field that should be one value (Voltage); the first entry of an array. */
  one(v: Json | undefined, name: string): number | undefined {
    return Array.isArray(v) ? this.num(v[0], `${name}[0]`) : this.num(v, name);
  }
}

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

function readEnergy(e: Record<string, Json>, o: Observation, r: Reader): void {
  o.voltageV = r.one(e.Voltage, 'ENERGY.Voltage');
  o.frequencyHz = r.one(e.Frequency, 'ENERGY.Frequency');
  const cols: [keyof ObservedChannel, (number | undefined)[] | undefined, number][] = [
    ['currentA', r.list(e.Current, 'ENERGY.Current'), 1],
    ['powerW', r.list(e.Power, 'ENERGY.Power'), 1],
    ['apparentPowerVa', r.list(e.ApparentPower, 'ENERGY.ApparentPower'), 1],
    ['powerFactor', r.list(e.Factor, 'ENERGY.Factor'), 1],
    ['energyWh', r.list(e.Total, 'ENERGY.Total'), 1000], // kWh on the wire
  ];
  const n = Math.min(8, Math.max(0, ...cols.map(([, v]) => v?.length ?? 0)));
  for (let i = 0; i < n; i++) {
    const ch: ObservedChannel = {};
    for (const [k, vals, scale] of cols) {
      const v = vals?.[i];
      // kWh with 3 decimals → whole Wh; rounding removes the binary noise of ×1000.
      if (v !== undefined) ch[k] = scale === 1 ? v : Math.round(v * scale * 1000) / 1000;
    }
    o.channels.push(ch);
  }
  // AICSS always sends two-entry arrays; trailing channels with nothing measured carry no reading.
  while (o.channels.length > 0 && Object.keys(o.channels[o.channels.length - 1]!).length === 0)
    o.channels.pop();
}

function readStatus(doc: Record<string, Json>, o: Observation, r: Reader): string | undefined {
  const status = isObj(doc.Status) ? doc.Status : undefined;
  if (!status) return undefined;
  const flags = r.num(status.Flags, 'Status.Flags');
  if (flags !== undefined) {
    if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff)
      return `Status.Flags ${flags} is not a uint16`;
    o.boardFlags = flags;
  }
  if (status.ClockSynced === false) o.boardFlags |= BOARD_FLAGS.CLOCK_UNSYNCED;
  if (status.EnergyRestored === true) o.boardFlags |= BOARD_FLAGS.ENERGY_RESTORED;
  const code = r.num(status.ResetCode, 'Status.ResetCode');
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
  const r = new Reader(o.droppedFields);

  const seq = r.num(doc.Seq, 'Seq');
  if (seq !== undefined) {
    if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff)
      return reject('bad_value', 'Seq is not a uint32', text);
    o.seq = seq;
  }
  readTime(doc, o);
  o.uptimeS = r.num(doc.Uptime, 'Uptime');
  const statusProblem = readStatus(doc, o, r);
  if (statusProblem) return reject('bad_value', statusProblem, text);

  const e = isObj(doc.ENERGY) ? doc.ENERGY : undefined;
  if (e) readEnergy(e, o, r);
  const climateKey = CLIMATE_SENSORS.find((k) => isObj(doc[k]));
  if (climateKey) {
    const c = doc[climateKey] as Record<string, Json>;
    o.temperatureC = r.num(c.Temperature, `${climateKey}.Temperature`);
    o.humidityPct = r.num(c.Humidity, `${climateKey}.Humidity`);
  }
  if (isObj(doc.LDR)) o.lightRaw = r.num(doc.LDR.Raw, 'LDR.Raw');
  if (isObj(doc.SR04)) o.distanceCm = r.num(doc.SR04.Distance, 'SR04.Distance');
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
