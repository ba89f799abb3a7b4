import { AICSS_MAX_LINE_BYTES, decodeAicssLine } from './aicss-serial.ts';
import { type DecodeResult, reject } from './decode-result.ts';
import { decodeEmonTxLine } from './emontx.ts';
import { decodeJsonLine, JSON_MAX_LINE_BYTES } from './json-line.ts';
import { decodeLegacyLine } from './legacy.ts';
import type { FramedItem } from './line-splitter.ts';

/** What a serial source speaks; set per port in the gateway configuration. */
export const SERIAL_FORMATS = ['aicss', 'aicss-legacy', 'emontx', 'json'] as const;
export type SerialFormat = (typeof SERIAL_FORMATS)[number];

/**
 * The `maxLineBytes` to give the `LineFramer` of a port with this format. An AICSS port may also carry the
 * JSON alternative, which is longer than 256 bytes for a full record; the key:value decoder still enforces
 * the 256-byte limit of AICSS/1 itself.
 */
export const SERIAL_MAX_LINE_BYTES: Readonly<Record<SerialFormat, number>> = {
  aicss: JSON_MAX_LINE_BYTES,
  'aicss-legacy': AICSS_MAX_LINE_BYTES,
  emontx: 384, // emonTx ESP bridges' PACKET_LEN (protocol.md §2.1)
  json: JSON_MAX_LINE_BYTES,
};

/**
 * An AICSS port carries key:value frames or the JSON alternative. A line starting with `{` is tried as JSON
 * first; if that fails, as key:value (noise that happened to start with `{` before a real frame).
 */
function decodeAicssPortLine(bytes: Buffer, crlf: boolean): DecodeResult {
  const jsonAt = bytes.indexOf('{"MSG":');
  if (jsonAt < 0) return decodeAicssLine(bytes, { crlf });
  const json = decodeJsonLine(bytes.subarray(jsonAt), { requireCs: true });
  if (json.ok) return jsonAt > 0 ? { ...json, skippedBytes: jsonAt } : json;
  const kv = decodeAicssLine(bytes, { crlf });
  return kv.ok || jsonAt > 0 ? kv : json;
}

/** One framed item → one decode result, per the port's format. Never throws. */
export function decodeSerialItem(format: SerialFormat, item: FramedItem): DecodeResult {
  if (item.kind === 'overflow')
    return reject('too_long', `line over the limit, ${item.discardedBytes} bytes dropped`, item.head);
  const { bytes, crlf } = item;
  switch (format) {
    case 'aicss':
      return decodeAicssPortLine(bytes, crlf);
    case 'aicss-legacy':
      return decodeLegacyLine(bytes);
    case 'emontx':
      return decodeEmonTxLine(bytes, { crlf });
    case 'json':
      return decodeJsonLine(bytes);
    default:
      return reject('bad_format', `unknown serial format "${String(format)}"`, bytes);
  }
}
