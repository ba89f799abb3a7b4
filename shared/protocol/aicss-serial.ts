import { crc16CcittFalse } from './crc16.ts';
import { type BootBanner, type DecodeResult, reject } from './decode-result.ts';
import { emptyObservation, type Observation } from './observation.ts';

/**
 * AICSS/1 serial line codec (protocol.md §4.1): `MSG:…,key:value,…,cs:<crc16 decimal>` + CRLF,
 * ASCII only, ≤ 256 bytes with the CRLF. `cs` covers every byte before `,cs:`.
 */

/** Wire keys in emission order, with the decimals the firmware prints. */
export const AICSS_FIELDS = [
  ['MSG', 0],
  ['t', 0],
  ['up', 0],
  ['rst', 0],
  ['V', 1],
  ['F', 1],
  ['I1', 3],
  ['P1', 0],
  ['VA1', 0],
  ['PF1', 2],
  ['E1', 0],
  ['I2', 3],
  ['P2', 0],
  ['VA2', 0],
  ['PF2', 2],
  ['E2', 0],
  ['T1', 1],
  ['RH1', 1],
  ['ldr', 0],
  ['dist', 0],
  ['led_in', 0],
  ['led_ext', 0],
  ['st', 0],
] as const;

export type AicssKey = (typeof AICSS_FIELDS)[number][0];
/** One AICSS/1 record as the board sends it. `MSG` is required; absent keys are invalid readings. */
export type AicssRecord = { MSG: number } & Partial<Record<Exclude<AicssKey, 'MSG'>, number>>;

export const AICSS_MAX_LINE_BYTES = 256;
const DECIMALS = new Map<string, number>(AICSS_FIELDS);
const KEY_RE = /^[A-Za-z][A-Za-z0-9_]*$/;
const NUM_RE = /^-?(\d+(\.\d*)?|\.\d+)$/;
/** Values a C `printf("%f")` prints for a NaN/∞: the reading was invalid, the line is not corrupt. */
const NAN_RE = /^-?(nan|inf|infinity)$/i;

function formatValue(key: string, v: number): string {
  const dp = DECIMALS.get(key) ?? 0;
  const s = dp === 0 ? String(Math.round(v)) : v.toFixed(dp);
  return s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

/** The line without `,cs:…` and CRLF. Keys are written in AICSS_FIELDS order; absent ones are skipped. */
export function aicssBody(rec: AicssRecord): string {
  const parts: string[] = [];
  for (const [key] of AICSS_FIELDS) {
    const v = rec[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    parts.push(`${key}:${formatValue(key, v)}`);
  }
  return parts.join(',');
}

/** A complete line, CRLF included. */
export function encodeAicssLine(rec: AicssRecord): string {
  const body = aicssBody(rec);
  return `${body},cs:${crc16CcittFalse(body)}\r\n`;
}

export function encodeBootBanner(b: BootBanner): string {
  return `# AICSS fw=${b.firmware} id=${b.device} boot\r\n`;
}

const BANNER_RE = /^#\s*AICSS\s+fw=(\S+)\s+id=([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\s+boot\s*$/;

export interface DecodeLineOptions {
  /** Whether the line arrived terminated by CRLF (the framer knows; AICSS/1 requires it). Default true. */
  crlf?: boolean;
}

/**
 * Decodes one line (without its terminator). Never throws. A `#` line is a diagnostic (maybe a boot banner);
 * otherwise the CRC is checked before anything else is trusted.
 */
export function decodeAicssLine(input: Uint8Array | string, opts: DecodeLineOptions = {}): DecodeResult {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  let len = bytes.length;
  if (len > 0 && bytes[len - 1] === 0x0d) len--; // tolerate a caller that left the CR on
  if (len + 2 > AICSS_MAX_LINE_BYTES) return reject('too_long', `line is ${len + 2} bytes, limit 256`, input);
  for (let i = 0; i < len; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b > 0x7e) return reject('not_ascii', `byte 0x${b.toString(16)} at ${i}`, input);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, len).toString('latin1');
  if (text.trim() === '') return reject('empty', 'empty line', input);
  if (text.startsWith('#')) {
    const m = BANNER_RE.exec(text);
    return m
      ? { ok: true, kind: 'diagnostic', text, banner: { firmware: m[1]!, device: m[2]! } }
      : { ok: true, kind: 'diagnostic', text };
  }
  if (opts.crlf === false) return reject('no_crlf', 'line not terminated by CRLF', input);
  const csAt = text.lastIndexOf(',cs:');
  if (csAt < 0) return reject('crc_missing', 'no ,cs: field', input);
  const csText = text.slice(csAt + 4);
  if (!/^\d{1,5}$/.test(csText) || Number(csText) > 0xffff)
    return reject('bad_value', `cs "${csText}" is not a uint16`, input);
  const crc = crc16CcittFalse(text, 0, csAt);
  if (crc !== Number(csText)) return reject('crc_mismatch', `cs ${csText} ≠ computed ${crc}`, input);
  return decodeKeyValueBody(text.slice(0, csAt), input);
}

/**
 * Parses `MSG:…,k:v,…` (already CRC-checked, or a format without CRC such as emonTx) into an observation.
 * `nan`/`inf` values are dropped and listed in `droppedFields`; anything else non-numeric rejects the line.
 */
export function decodeKeyValueBody(body: string, original: Uint8Array | string): DecodeResult {
  const rec: Record<string, number> = {};
  const dropped: string[] = [];
  const seen = new Set<string>();
  const pairs = body.split(',');
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const colon = pair.indexOf(':');
    if (colon <= 0) return reject('bad_key', `pair "${pair}" has no key:value`, original);
    const key = pair.slice(0, colon);
    const value = pair.slice(colon + 1);
    if (!KEY_RE.test(key)) return reject('bad_key', `key "${key}"`, original);
    if (i === 0 && key !== 'MSG')
      return reject('missing_msg', `first key is "${key}", expected MSG`, original);
    if (seen.has(key)) return reject('duplicate_key', `key "${key}" twice`, original);
    seen.add(key);
    if (NAN_RE.test(value)) {
      dropped.push(key);
      continue;
    }
    if (!NUM_RE.test(value)) return reject('bad_value', `${key}: "${value}" is not a number`, original);
    rec[key] = Number(value);
  }
  if (rec.MSG === undefined) return reject('missing_msg', 'MSG is not a number', original);
  if (!Number.isInteger(rec.MSG) || rec.MSG < 0 || rec.MSG > 0xffffffff) {
    return reject('bad_value', `MSG ${rec.MSG} is not a uint32`, original);
  }
  return {
    ok: true,
    kind: 'observation',
    observation: aicssRecordToObservation(rec as AicssRecord, dropped),
  };
}

function lamp(v: number | undefined): boolean | undefined {
  return v === 1 ? true : v === 0 ? false : undefined;
}

/** Maps AICSS/emonTx keys onto an observation. Keys it does not know are ignored (forward compatible). */
export function aicssRecordToObservation(rec: AicssRecord, dropped: string[] = []): Observation {
  const o = emptyObservation();
  o.seq = rec.MSG;
  o.droppedFields = dropped;
  if (rec.t !== undefined) o.epochS = rec.t;
  if (rec.up !== undefined) o.uptimeS = rec.up;
  if (rec.rst !== undefined) o.resetReason = rec.rst;
  if (rec.V !== undefined) o.voltageV = rec.V;
  if (rec.F !== undefined) o.frequencyHz = rec.F;
  const r = rec as Record<string, number | undefined>;
  for (let n = 1; n <= 8; n++) {
    const ch = {
      ...(r[`I${n}`] !== undefined && { currentA: r[`I${n}`] }),
      ...(r[`P${n}`] !== undefined && { powerW: r[`P${n}`] }),
      ...(r[`VA${n}`] !== undefined && { apparentPowerVa: r[`VA${n}`] }),
      ...(r[`PF${n}`] !== undefined && { powerFactor: r[`PF${n}`] }),
      ...(r[`E${n}`] !== undefined && { energyWh: r[`E${n}`] }),
    };
    if (Object.keys(ch).length === 0) continue;
    while (o.channels.length < n - 1) o.channels.push({});
    o.channels.push(ch);
  }
  if (rec.T1 !== undefined) o.temperatureC = rec.T1;
  if (rec.RH1 !== undefined) o.humidityPct = rec.RH1;
  if (rec.ldr !== undefined) o.lightRaw = rec.ldr;
  if (rec.dist !== undefined) o.distanceCm = rec.dist;
  const li = lamp(rec.led_in);
  if (li !== undefined) o.lampInternal = li;
  const le = lamp(rec.led_ext);
  if (le !== undefined) o.lampExternal = le;
  o.boardFlags = rec.st ?? 0;
  return o;
}
