import { z } from 'zod';
import { BOARD_FLAGS } from '../schemas/reading.ts';
import { bytesToText, type DecodeResult, reject } from './decode-result.ts';
import { emptyObservation, type Observation } from './observation.ts';

/**
 * The original AICSS ("Lumion") firmware (protocol.md §1.2): the serial line `Luz: <int> | Distância: <long> cm`
 * and the HTTP JSON `{"luz","distancia","consumo_interno","consumo_externo"}`. Neither has a sequence or a
 * clock: the gateway numbers and stamps them. A 0 cm distance is the HC-SR04 echo timeout, not an object
 * at 0 cm (the original reads it as presence): the distance is left out and DIST_TIMEOUT is set.
 */

export interface LegacyValues {
  /** LDR, raw ADC counts 0–4095. */
  luz: number;
  /** HC-SR04 distance, cm; 0 = echo timeout. */
  distancia: number;
  /** Lamp pin states (HTTP JSON only). */
  consumoInterno?: 0 | 1;
  consumoExterno?: 0 | 1;
}

/**
 * Tolerant of spacing and of how `â` arrived: UTF-8 read as Latin-1 (`Ã¢`), Latin-1 (`â`), a terminal's
 * replacement character, `?`, or plain `a`.
 */
const LINE_RE =
  /^\s*Luz\s*:\s*(\d+(?:\.\d+)?)\s*\|\s*Dist(?:\u00c3\u00a2|\u00e2|\ufffd|\?|a)ncia\s*:\s*(-?\d+(?:\.\d+)?)\s*cm\s*$/i;
const NOT_TEXT_RE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/** The line as the original firmware prints it, CRLF included, in UTF-8 (source file encoding) or Latin-1. */
export function encodeLegacyLine(
  v: Pick<LegacyValues, 'luz' | 'distancia'>,
  encoding: 'utf8' | 'latin1' = 'utf8',
): Buffer {
  return Buffer.from(`Luz: ${Math.round(v.luz)} | Distância: ${Math.round(v.distancia)} cm\r\n`, encoding);
}

function legacyObservation(luz: number, dist: number): Observation {
  const o = emptyObservation();
  o.lightRaw = luz;
  if (dist === 0) o.boardFlags |= BOARD_FLAGS.DIST_TIMEOUT;
  else o.distanceCm = dist;
  return o;
}

/**
 * Decodes one legacy line (bytes in either encoding, or an already decoded string). Printable lines that are
 * not readings (the ESP32 boot ROM prints `rst:0x1 (POWERON_RESET),boot:0x13 …` on the same port) are
 * diagnostics; a line that starts like a reading but does not parse is rejected.
 */
export function decodeLegacyLine(input: Uint8Array | string): DecodeResult {
  const text = bytesToText(input);
  const at = text.toLowerCase().lastIndexOf('luz');
  if (at < 0) {
    if (NOT_TEXT_RE.test(text) || /[^\x00-\x7f]/.test(text))
      return reject('not_ascii', 'binary noise', input);
    if (text.trim() === '') return reject('empty', 'empty line', input);
    return { ok: true, kind: 'diagnostic', text: text.trim() };
  }
  const m = LINE_RE.exec(text.slice(at));
  if (!m) return reject('bad_format', 'not "Luz: <int> | Distância: <long> cm"', input);
  const luz = Number(m[1]);
  const dist = Number(m[2]);
  if (dist < 0) return reject('bad_value', `distance ${dist} cm`, input);
  const result: DecodeResult = { ok: true, kind: 'observation', observation: legacyObservation(luz, dist) };
  return at > 0 ? { ...result, skippedBytes: at } : result;
}

const Lamp = z
  .union([z.literal(0), z.literal(1), z.boolean()])
  .transform((v) => (v === true || v === 1 ? 1 : 0));
const LegacyHttpBody = z.object({
  luz: z.number().refine(Number.isFinite).min(0),
  distancia: z.number().refine(Number.isFinite).min(0),
  consumo_interno: Lamp.optional(),
  consumo_externo: Lamp.optional(),
});

/** `POST /dados` body; `body` may be the parsed JSON, or its text/bytes. Never throws. */
export function decodeLegacyHttpJson(body: unknown): DecodeResult {
  let doc = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = bytesToText(body, 'utf8');
    try {
      doc = JSON.parse(text);
    } catch (e) {
      return reject('bad_json', (e as Error).message, text);
    }
  }
  const p = LegacyHttpBody.safeParse(doc);
  if (!p.success) {
    const issue = p.error.issues[0];
    const text = safeStringify(doc);
    return reject('bad_format', `${issue?.path.join('.') || 'body'}: ${issue?.message}`, text);
  }
  const o = legacyObservation(p.data.luz, p.data.distancia);
  if (p.data.consumo_interno !== undefined) o.lampInternal = p.data.consumo_interno === 1;
  if (p.data.consumo_externo !== undefined) o.lampExternal = p.data.consumo_externo === 1;
  return { ok: true, kind: 'observation', observation: o };
}

export function encodeLegacyHttpJson(v: LegacyValues): string {
  return JSON.stringify({
    luz: v.luz,
    distancia: v.distancia,
    consumo_interno: v.consumoInterno ?? 0,
    consumo_externo: v.consumoExterno ?? 0,
  });
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
