import { type DecodeResult, reject } from './decode-result.ts';
import { emptyObservation, type Observation, type ObservedChannel } from './observation.ts';

/**
 * The emon-style `key:value,key:value` body shared by AICSS/1 and emonTx (protocol.md §2.1, §4.1), and the
 * mapping of both vocabularies onto an observation. The names do not collide (AICSS `V`/`PF1` vs emonTx
 * `Vrms`/`pf1`), so one table serves both; keys it does not know are ignored (forward compatible).
 */

const KEY_RE = /^[A-Za-z][A-Za-z0-9_]*$/;
const NUM_RE = /^-?(\d+(\.\d*)?|\.\d+)$/;
/** What C `printf`/Arduino `Print` write for an invalid float: the reading was invalid, the line is not corrupt. */
const INVALID_FLOAT_RE = /^-?(nan|inf|infinity|ovf)$/i;
/** A whole well-formed body in one native pass: the common case then needs no per-pair checks. */
const WELL_FORMED_RE = /^(?:[A-Za-z][A-Za-z0-9_]*:-?(?:\d+(?:\.\d*)?|\.\d+)(?:,(?!$)|$))+$/;

export interface KeyValues {
  /** Numeric values in wire order. */
  values: Map<string, number>;
  /** Keys that carried `nan`/`inf`/`ovf` (or `nan` in JSON): left out, reported for the flags. */
  dropped: string[];
}

type Parsed = { ok: true; kv: KeyValues } | { ok: false; result: DecodeResult };

/** Parses `k:v,…`; `requireMsgFirst` for AICSS/1 and emonTx. Never throws. */
export function parseKeyValueBody(
  body: string,
  original: Uint8Array | string,
  requireMsgFirst = true,
): Parsed {
  if (WELL_FORMED_RE.test(body)) {
    const values = new Map<string, number>();
    let start = 0;
    while (start < body.length) {
      let comma = body.indexOf(',', start);
      if (comma < 0) comma = body.length;
      const colon = body.indexOf(':', start);
      const key = body.slice(start, colon);
      if (values.has(key))
        return { ok: false, result: reject('duplicate_key', `key "${key}" twice`, original) };
      values.set(key, Number(body.slice(colon + 1, comma)));
      start = comma + 1;
    }
    if (requireMsgFirst && !body.startsWith('MSG:')) return parseSlowly(body, original, requireMsgFirst);
    return { ok: true, kv: { values, dropped: [] } };
  }
  return parseSlowly(body, original, requireMsgFirst);
}

/** Pair by pair, to accept `nan` values and to say precisely what is wrong with a malformed body. */
function parseSlowly(body: string, original: Uint8Array | string, requireMsgFirst: boolean): Parsed {
  const values = new Map<string, number>();
  const dropped: string[] = [];
  const fail = (code: Parameters<typeof reject>[0], reason: string): Parsed => ({
    ok: false,
    result: reject(code, reason, original),
  });
  let start = 0;
  for (let i = 0; start <= body.length; i++) {
    let comma = body.indexOf(',', start);
    if (comma < 0) comma = body.length;
    const pair = body.slice(start, comma);
    start = comma + 1;
    const colon = pair.indexOf(':');
    if (colon <= 0) return fail('bad_key', `pair "${pair}" has no key:value`);
    const key = pair.slice(0, colon);
    const value = pair.slice(colon + 1);
    if (!KEY_RE.test(key)) return fail('bad_key', `key "${key}"`);
    if (i === 0 && requireMsgFirst && key !== 'MSG')
      return fail('missing_msg', `first key is "${key}", expected MSG`);
    if (values.has(key) || dropped.includes(key)) return fail('duplicate_key', `key "${key}" twice`);
    if (INVALID_FLOAT_RE.test(value)) dropped.push(key);
    else if (NUM_RE.test(value)) values.set(key, Number(value));
    else return fail('bad_value', `${key}: "${value}" is not a number`);
  }
  return { ok: true, kv: { values, dropped } };
}

/** Range checks on the keys that identify or qualify a record; the rest is left to normalisation. */
export function checkRecordKeys(values: Map<string, number>): string | undefined {
  const msg = values.get('MSG');
  if (msg !== undefined && !(Number.isInteger(msg) && msg >= 0 && msg <= 0xffffffff))
    return `MSG ${msg} is not a uint32`;
  const st = values.get('st');
  if (st !== undefined && !(Number.isInteger(st) && st >= 0 && st <= 0xffff))
    return `st ${st} is not a uint16`;
  return undefined;
}

type Setter = (o: Observation, v: number) => void;

function channel(o: Observation, n: number): ObservedChannel {
  while (o.channels.length < n) o.channels.push({});
  return o.channels[n - 1]!;
}

const SETTERS = new Map<string, Setter>([
  ['MSG', (o, v) => (o.seq = v)],
  ['t', (o, v) => (o.epochS = v)],
  ['up', (o, v) => (o.uptimeS = v)],
  ['rst', (o, v) => (o.resetReason = v)],
  ['V', (o, v) => (o.voltageV = v)],
  ['Vrms', (o, v) => (o.voltageV ??= v)],
  ['F', (o, v) => (o.frequencyHz = v)],
  ['T1', (o, v) => (o.temperatureC = v)],
  ['RH1', (o, v) => (o.humidityPct = v)],
  ['ldr', (o, v) => (o.lightRaw = v)],
  ['dist', (o, v) => (o.distanceCm = v)],
  ['st', (o, v) => (o.boardFlags = v)],
]);
for (let n = 1; n <= 8; n++) {
  SETTERS.set(`I${n}`, (o, v) => (channel(o, n).currentA = v));
  SETTERS.set(`P${n}`, (o, v) => (channel(o, n).powerW = v));
  SETTERS.set(`VA${n}`, (o, v) => (channel(o, n).apparentPowerVa = v));
  SETTERS.set(`PF${n}`, (o, v) => (channel(o, n).powerFactor = v));
  SETTERS.set(`pf${n}`, (o, v) => (channel(o, n).powerFactor ??= v));
  SETTERS.set(`E${n}`, (o, v) => (channel(o, n).energyWh = v));
}

/** Maps AICSS/emonTx keys (already range-checked by `checkRecordKeys`) onto an observation. */
export function keyValuesToObservation(kv: KeyValues): Observation {
  const o = emptyObservation();
  o.droppedFields = [...kv.dropped];
  for (const [key, v] of kv.values) {
    const set = SETTERS.get(key);
    if (set) set(o, v);
    else if (key === 'led_in' || key === 'led_ext') {
      const field = key === 'led_in' ? 'lampInternal' : 'lampExternal';
      if (v === 0 || v === 1) o[field] = v === 1;
      else o.droppedFields.push(key);
    }
  }
  return o;
}
