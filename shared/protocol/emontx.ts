import { bytesToText, type DecodeResult, reject } from './decode-result.ts';
import { checkRecordKeys, keyValuesToObservation, parseKeyValueBody } from './key-value-record.ts';

/**
 * emonTx4/emonPi2 serial lines (protocol.md §2.1), accepted only on sources configured `emontx`:
 * `MSG:<n>,Vrms:<V>,P1:<W>,…,E1:<Wh>,…[,I1:<A>,pf1:<–>],T1:<°C>,…,pulse:<n>` + CRLF, no checksum.
 * Without a checksum the CRLF is the only sign the line is whole, so (like emonhub) a line without it is
 * dropped. Lines that do not start with `MSG:` (start-up banners, settings dumps) are diagnostics, as
 * emonhub and the ESP bridges ignore them. Only `T1` is kept (the reading model has one temperature).
 */

export interface EmonTxChannel {
  /** Real power, W. */
  p?: number;
  /** Cumulative energy, Wh. */
  e?: number;
  /** RMS current, A (calibration mode). */
  i?: number;
  /** Power factor (calibration mode). */
  pf?: number;
}

export interface EmonTxRecord {
  msg: number;
  vrms?: number;
  channels: EmonTxChannel[];
  /** T1…Tn, °C; an absent sensor is omitted, never sent as a sentinel. */
  temperatures?: (number | undefined)[];
  pulse?: number;
}

const NOT_PRINTABLE_RE = /[^\x20-\x7e]/;

/** The line as the firmware prints it (all P, then all E, then I/pf when present, T, pulse), CRLF included. */
export function encodeEmonTxLine(r: EmonTxRecord): string {
  const parts = [`MSG:${r.msg}`];
  if (r.vrms !== undefined) parts.push(`Vrms:${r.vrms.toFixed(2)}`);
  const each = (key: string, pick: (c: EmonTxChannel) => number | undefined, dp: number) =>
    r.channels.forEach((c, n) => {
      const v = pick(c);
      if (v !== undefined) parts.push(`${key}${n + 1}:${dp === 0 ? Math.round(v) : v.toFixed(dp)}`);
    });
  each('P', (c) => c.p, 0);
  each('E', (c) => c.e, 0);
  each('I', (c) => c.i, 3);
  each('pf', (c) => c.pf, 4);
  r.temperatures?.forEach((t, n) => {
    if (t !== undefined) parts.push(`T${n + 1}:${t.toFixed(2)}`);
  });
  if (r.pulse !== undefined) parts.push(`pulse:${r.pulse}`);
  return `${parts.join(',').replace(/:-0(\.0+)?(?=,|$)/g, ':0$1')}\r\n`;
}

export interface EmonTxDecodeOptions {
  /** Whether the line arrived terminated by CRLF. Default true. */
  crlf?: boolean;
}

export function decodeEmonTxLine(input: Uint8Array | string, opts: EmonTxDecodeOptions = {}): DecodeResult {
  let text = bytesToText(input);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  const bad = NOT_PRINTABLE_RE.exec(text);
  if (bad)
    return reject('not_ascii', `byte 0x${text.charCodeAt(bad.index).toString(16)} at ${bad.index}`, input);
  if (text.trim() === '') return reject('empty', 'empty line', input);
  if (!text.startsWith('MSG:')) return { ok: true, kind: 'diagnostic', text };
  if (opts.crlf === false) return reject('no_crlf', 'line not terminated by CRLF', input);
  const parsed = parseKeyValueBody(text, input, true);
  if (!parsed.ok) return parsed.result;
  const problem = checkRecordKeys(parsed.kv.values);
  if (problem) return reject('bad_value', problem, input);
  if (!parsed.kv.values.has('MSG')) return reject('missing_msg', 'MSG is not a number', input);
  return { ok: true, kind: 'observation', observation: keyValuesToObservation(parsed.kv) };
}
