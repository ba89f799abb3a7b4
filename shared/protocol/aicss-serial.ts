import { crc16CcittFalse } from './crc16.ts';
import { type BootBanner, bytesToText, type DecodeResult, type RejectCode, reject } from './decode-result.ts';
import { checkRecordKeys, keyValuesToObservation, parseKeyValueBody } from './key-value-record.ts';
import type { Observation } from './observation.ts';

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

/** The value as the firmware prints it (fixed decimals per key, never `-0`). */
export function formatAicssValue(key: string, v: number): string {
  const dp = DECIMALS.get(key) ?? 0;
  const s = dp === 0 ? String(Math.round(v)) : v.toFixed(dp);
  return s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

/** The line without `,cs:…` and CRLF. Keys are written in AICSS_FIELDS order; absent/non-finite ones skipped. */
export function aicssBody(rec: AicssRecord): string {
  const parts: string[] = [];
  for (const [key] of AICSS_FIELDS) {
    const v = rec[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    parts.push(`${key}:${formatAicssValue(key, v)}`);
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
const NOT_PRINTABLE_RE = /[^\x20-\x7e]/;
const CS_RE = /^\d{1,5}$/;
/** Failures after which a clean frame may still sit behind leading noise (no LF between them). */
const RESYNC_ON: ReadonlySet<RejectCode> = new Set([
  'not_ascii',
  'crc_mismatch',
  'crc_missing',
  'bad_key',
  'bad_value',
  'missing_msg',
  'bad_format',
]);

export interface DecodeLineOptions {
  /** Whether the line arrived terminated by CRLF (the framer knows; AICSS/1 requires it). Default true. */
  crlf?: boolean;
}

/**
 * Decodes one line (without its terminator). Never throws. A `#` line is a diagnostic (maybe a boot banner);
 * otherwise the CRC is checked before anything else is trusted. When noise precedes a frame on the same line
 * (a glitch without LF, a port opened mid-burst), the last `MSG:` or `# AICSS` is tried as the frame start:
 * the CRC still has to verify, and `skippedBytes` says how much was thrown away.
 */
export function decodeAicssLine(input: Uint8Array | string, opts: DecodeLineOptions = {}): DecodeResult {
  let text = bytesToText(input);
  if (text.endsWith('\r')) text = text.slice(0, -1); // tolerate a caller that left the CR on
  if (text.length + 2 > AICSS_MAX_LINE_BYTES)
    return reject('too_long', `line is ${text.length + 2} bytes, limit ${AICSS_MAX_LINE_BYTES}`, input);
  const first = decodeAicssText(text, opts.crlf !== false, input);
  if (first.ok || !RESYNC_ON.has(first.code)) return first;
  const at = Math.max(text.lastIndexOf('MSG:'), text.lastIndexOf('# AICSS '));
  if (at <= 0) return first;
  const again = decodeAicssText(text.slice(at), opts.crlf !== false, input);
  return again.ok ? { ...again, skippedBytes: at } : first;
}

function decodeAicssText(text: string, crlf: boolean, input: Uint8Array | string): DecodeResult {
  const bad = NOT_PRINTABLE_RE.exec(text);
  if (bad)
    return reject('not_ascii', `byte 0x${text.charCodeAt(bad.index).toString(16)} at ${bad.index}`, input);
  if (text.trim() === '') return reject('empty', 'empty line', input);
  if (text.charCodeAt(0) === 0x23 /* # */) {
    // Diagnostics never contain ':' (§4.1): one that does is a frame glued to noise that began with '#'.
    if (text.includes(':')) return reject('bad_format', "a '#' diagnostic line cannot contain ':'", input);
    const m = BANNER_RE.exec(text);
    return m
      ? { ok: true, kind: 'diagnostic', text, banner: { firmware: m[1]!, device: m[2]! } }
      : { ok: true, kind: 'diagnostic', text };
  }
  if (!crlf) return reject('no_crlf', 'line not terminated by CRLF', input);
  const csAt = text.lastIndexOf(',cs:');
  if (csAt < 0) return reject('crc_missing', 'no ,cs: field', input);
  const csText = text.slice(csAt + 4);
  if (!CS_RE.test(csText) || Number(csText) > 0xffff)
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
  const parsed = parseKeyValueBody(body, original, true);
  if (!parsed.ok) return parsed.result;
  const problem = checkRecordKeys(parsed.kv.values);
  if (problem) return reject('bad_value', problem, original);
  if (!parsed.kv.values.has('MSG')) return reject('missing_msg', 'MSG is not a number', original);
  return { ok: true, kind: 'observation', observation: keyValuesToObservation(parsed.kv) };
}

/** Maps AICSS keys onto an observation (kept for callers holding a record rather than a line). */
export function aicssRecordToObservation(rec: AicssRecord, dropped: string[] = []): Observation {
  const values = new Map<string, number>();
  for (const [k, v] of Object.entries(rec)) if (typeof v === 'number' && Number.isFinite(v)) values.set(k, v);
  return keyValuesToObservation({ values, dropped });
}
