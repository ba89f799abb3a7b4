import { AICSS_FIELDS, type AicssRecord, formatAicssValue } from './aicss-serial.ts';
import { crc16CcittFalse } from './crc16.ts';
import { bytesToText, type DecodeResult, reject } from './decode-result.ts';
import { checkRecordKeys, type KeyValues, keyValuesToObservation } from './key-value-record.ts';

/**
 * JSON lines on a serial port: the AICSS JSON alternative (protocol.md §4.1, emon `j1` style)
 * `{"MSG":1042,…,"cs":37582}` whose CRC covers the compact text up to `,"cs":`, and plain emon JSON
 * `{"MSG":…,"Vrms":…,"P1":…}` without a checksum. Both carry the same keys as their key:value forms.
 */

/** A JSON record is longer than its key:value form (quotes); the serial framer must allow this much. */
export const JSON_MAX_LINE_BYTES = 512;

const CS_MARK = ',"cs":';
const NOT_PRINTABLE_RE = /[^\x20-\x7e]/;
/** Hand-built firmware JSON prints `nan` for an invalid float (protocol.md §3.2 #1): read it as an invalid value. */
const BARE_INVALID_RE = /(:\s*)-?(nan|inf|infinity|ovf)(?=\s*[,}])/gi;
const CS_RE = /^\d{1,5}$/;
const INVALID_TEXT_RE = /^-?(nan|inf|infinity|ovf)$/i;

/** `{"MSG":…,…,"cs":<crc>}` + CRLF, values with the serial line's decimals. */
export function encodeAicssJsonLine(rec: AicssRecord): string {
  const parts: string[] = [];
  for (const [key] of AICSS_FIELDS) {
    const v = rec[key];
    if (v !== undefined && Number.isFinite(v)) parts.push(`"${key}":${formatAicssValue(key, v)}`);
  }
  const body = `{${parts.join(',')}`;
  return `${body}${CS_MARK}${crc16CcittFalse(body)}}\r\n`;
}

export interface JsonLineOptions {
  /** Reject lines without `cs` (an AICSS port); plain emon JSON has none. Default false. */
  requireCs?: boolean;
}

export function decodeJsonLine(input: Uint8Array | string, opts: JsonLineOptions = {}): DecodeResult {
  let text = bytesToText(input);
  text = text.trim();
  if (text.length > JSON_MAX_LINE_BYTES) return reject('too_long', `line is ${text.length} bytes`, input);
  const bad = NOT_PRINTABLE_RE.exec(text);
  if (bad)
    return reject('not_ascii', `byte 0x${text.charCodeAt(bad.index).toString(16)} at ${bad.index}`, input);
  if (text === '') return reject('empty', 'empty line', input);
  if (!text.startsWith('{')) return reject('bad_json', 'not a JSON object', input);

  // With a checksum, check it before parsing: noise is refused without paying for JSON.parse.
  const csAt = text.lastIndexOf(CS_MARK);
  const csText = csAt < 0 ? undefined : text.slice(csAt + CS_MARK.length, -1);
  if (csText !== undefined) {
    if (!text.endsWith('}') || !CS_RE.test(csText) || Number(csText) > 0xffff)
      return reject('bad_format', '"cs" must be the last field of compact JSON, a uint16', input);
    const crc = crc16CcittFalse(text, 0, csAt);
    if (Number(csText) !== crc) return reject('crc_mismatch', `cs ${csText} ≠ computed ${crc}`, input);
  } else if (opts.requireCs) return reject('crc_missing', 'no ,"cs": field', input);

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const patched = text.replace(BARE_INVALID_RE, '$1"$2"');
    try {
      if (patched === text) throw e;
      doc = JSON.parse(patched);
    } catch (e2) {
      return reject('bad_json', (e2 as Error).message, input);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return reject('bad_format', 'not a JSON object', input);
  const obj = doc as Record<string, unknown>;
  if (csText !== undefined) {
    if (obj.cs !== Number(csText)) return reject('bad_format', '"cs" must be the last field', input);
    if (Object.keys(obj)[0] !== 'MSG') return reject('missing_msg', 'first key is not MSG', input);
  } else if (Object.hasOwn(obj, 'cs'))
    return reject('bad_format', '"cs" present but the JSON is not compact', input);

  const kv: KeyValues = { values: new Map(), dropped: [] };
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'cs') continue;
    // null = not measured (an omitted key); `nan` = an invalid reading, dropped and flagged.
    if (typeof v === 'number') kv.values.set(key, v);
    else if (typeof v === 'string' && INVALID_TEXT_RE.test(v)) kv.dropped.push(key);
    else if (v !== null) return reject('bad_value', `${key} is not a number`, input);
  }
  const problem = checkRecordKeys(kv.values);
  if (problem) return reject('bad_value', problem, input);
  const observation = keyValuesToObservation(kv);
  const known =
    observation.seq !== undefined ||
    observation.voltageV !== undefined ||
    observation.channels.length > 0 ||
    observation.lightRaw !== undefined;
  if (!known) return reject('bad_format', 'no known field (MSG, V/Vrms, P1/E1/I1, ldr)', input);
  return { ok: true, kind: 'observation', observation };
}
