import type { Observation } from './observation.ts';

/**
 * Stable rejection codes. Decoders never throw: they return one of these with the offending text,
 * and the gateway counts rejections by code (metrics, `cds gateway status`, sync status report).
 */
export const REJECT_CODES = [
  'crc_mismatch', // cs present but wrong
  'crc_missing', // no `,cs:` field
  'too_long', // line over 256 bytes (framer) or JSON over its limit
  'not_ascii', // a byte outside printable ASCII in an AICSS/1 line
  'no_crlf', // line ended without CR (AICSS/1 requires CRLF)
  'bad_key', // key not [A-Za-z][A-Za-z0-9_]*
  'bad_value', // value not numeric (after CRC passed)
  'duplicate_key',
  'missing_msg', // AICSS/emonTx line whose first key is not MSG
  'bad_json', // not parseable JSON
  'bad_format', // parseable but not the expected shape
  'empty', // nothing but whitespace
  'unknown_topic', // MQTT topic this decoder does not handle
  'out_of_range', // a value outside the schema's range (after decoding)
  'unknown_device', // no device id from the message or the source config
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

/** Text shown in logs is cut to this many characters, with non-printables escaped. */
const MAX_LOG_TEXT = 300;

/** Bytes as text without copying them: Latin-1 maps each byte to one character (a line's bytes, 1:1). */
export function bytesToText(input: Uint8Array | string, encoding: 'latin1' | 'utf8' = 'latin1'): string {
  if (typeof input === 'string') return input;
  const b = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return b.toString(encoding);
}

const NOT_PRINTABLE_G = /[^\x20-\x7e]/g;
const escapeChar = (c: string) => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

/** The first MAX_LOG_TEXT characters, with anything outside printable ASCII escaped (`\x00`, `\u2026`). */
export function printable(input: Uint8Array | string): string {
  const s = bytesToText(input);
  const cut = s.length > MAX_LOG_TEXT ? s.slice(0, MAX_LOG_TEXT) : s;
  const out = cut.replace(NOT_PRINTABLE_G, escapeChar);
  return s.length > MAX_LOG_TEXT ? `${out}…` : out;
}

/**
 * `skippedBytes`: leading noise thrown away before the frame that decoded (same line, no LF in between);
 * the gateway may count it, the frame itself passed every check.
 */
export type DecodeResult =
  | { ok: true; kind: 'observation'; observation: Observation; skippedBytes?: number }
  | { ok: true; kind: 'diagnostic'; text: string; banner?: BootBanner; skippedBytes?: number }
  | { ok: false; code: RejectCode; reason: string; text: string };

export interface BootBanner {
  firmware: string;
  device: string;
}

export function reject(code: RejectCode, reason: string, input: Uint8Array | string): DecodeResult {
  return { ok: false, code, reason, text: printable(input) };
}
