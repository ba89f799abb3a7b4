import {
  AICSS_FIELDS,
  type AicssRecord,
  encodeAicssLine,
  encodeBootBanner,
  formatAicssValue,
} from '../../shared/protocol/aicss-serial.ts';
import { crc16CcittFalse } from '../../shared/protocol/crc16.ts';
import { encodeLegacyLine } from '../../shared/protocol/legacy.ts';
import type { SimEvent, WireFault } from '../sim-events.ts';

/**
 * Simulator events → the bytes a board puts on its UART, as a Latin-1 "byte string" (one char per byte), so
 * binary noise, UTF-8 and ASCII lines concatenate cheaply and become a Buffer once per chunk.
 *
 * AICSS mode: boot banner + AICSS/1 lines (the shared encoder). Legacy mode: the original firmware's line.
 * The wire faults the board chose (CRC, garbage, truncation, over-long, encoding) are applied here.
 */

export interface SerialEncoderOptions {
  legacy?: boolean;
  /** Byte encoding of the legacy line's "â"; the original's source file is UTF-8. */
  legacyEncoding?: 'utf8' | 'latin1';
  /** Print the ESP32 ROM bootloader text on each boot (a real board does, at 115200). */
  romBootText?: boolean;
}

/** ROM `rst:` codes (not the ESP-IDF esp_reset_reason numbering used by `rst` in AICSS/1). */
const ROM_RESET: Record<number, string> = {
  1: '0x1 (POWERON_RESET)',
  4: '0xc (SW_CPU_RESET)',
  6: '0x7 (TG0WDT_SYS_RESET)',
  9: '0xf (RTCWDT_BROWN_OUT_RESET)',
};

function romBoot(resetReason: number): string {
  return [
    'ets Jun  8 2016 00:22:57',
    '',
    `rst:${ROM_RESET[resetReason] ?? '0x1 (POWERON_RESET)'},boot:0x13 (SPI_FAST_FLASH_BOOT)`,
    'configsip: 0, SPIWP:0xee',
    'clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00',
    'mode:DIO, clock div:1',
    'load:0x3fff0030,len:1184',
    'load:0x40078000,len:13260',
    'load:0x40080400,len:3028',
    'entry 0x400805e4',
    '',
  ].join('\r\n');
}

/**
 * An AICSS/1 line whose NaN fields are printed `nan`, as `Serial.print(NAN)` does. The CRC still covers the
 * whole body, so the line is intact and only the values are invalid (protocol.md §3.2.1).
 */
export function encodeAicssLineWithNan(rec: AicssRecord): string {
  const parts: string[] = [];
  for (const [key] of AICSS_FIELDS) {
    const v = rec[key];
    if (v === undefined) continue;
    parts.push(`${key}:${Number.isNaN(v) ? 'nan' : formatAicssValue(key, v)}`);
  }
  const body = parts.join(',');
  return `${body},cs:${crc16CcittFalse(body)}\r\n`;
}

function legacyBytes(luz: number, distCm: number, encoding: 'utf8' | 'latin1'): string {
  return encodeLegacyLine({ luz, distancia: distCm }, encoding).toString('latin1');
}

/** Replaces one body character (never the `,cs:` part) by a different printable one. */
function corruptOne(line: string, at: number): string {
  const bodyEnd = line.lastIndexOf(',cs:');
  const end = bodyEnd > 0 ? bodyEnd : Math.max(1, line.length - 2);
  const i = Math.min(end - 1, Math.floor(at * end));
  const c = line.charCodeAt(i);
  const isDigit = c >= 0x30 && c <= 0x39;
  const repl = isDigit ? 0x30 + ((c - 0x30 + 1 + Math.floor(at * 8)) % 10) : c === 0x41 ? 0x42 : 0x41;
  return line.slice(0, i) + String.fromCharCode(repl) + line.slice(i + 1);
}

export function applyWireFaults(
  line: string,
  faults: readonly WireFault[],
  extra: { legacyLine: string },
): string {
  let out = line;
  let before = '';
  for (const f of faults) {
    switch (f.kind) {
      case 'encoding':
        before += extra.legacyLine;
        break;
      case 'crc':
        out = corruptOne(out, f.at);
        break;
      case 'garbage': {
        const noise = f.bytes.toString('latin1');
        if (f.at === 'before') before += noise;
        else {
          const i = Math.floor(f.at * Math.max(0, out.length - 2));
          out = out.slice(0, i) + noise + out.slice(i);
        }
        break;
      }
      case 'truncate': {
        const body = out.endsWith('\r\n') ? out.slice(0, -2) : out;
        out = body.slice(0, Math.max(1, Math.floor(body.length * f.keep))) + (f.crlf ? '\r\n' : '');
        break;
      }
      case 'overlong': {
        const body = out.endsWith('\r\n') ? out.slice(0, -2) : out;
        let padded = body;
        while (padded.length < f.totalBytes - 2) padded += `,${body}`;
        out = `${padded.slice(0, f.totalBytes - 2)}\r\n`;
        break;
      }
    }
  }
  return before + out;
}

export class SerialEncoder {
  readonly #legacy: boolean;
  readonly #legacyEncoding: 'utf8' | 'latin1';
  readonly #rom: boolean;

  constructor(opts: SerialEncoderOptions = {}) {
    this.#legacy = opts.legacy ?? false;
    this.#legacyEncoding = opts.legacyEncoding ?? 'utf8';
    this.#rom = opts.romBootText ?? false;
  }

  /** The bytes for one event (Latin-1 string; may be empty). */
  encode(ev: SimEvent): string {
    switch (ev.type) {
      case 'boot': {
        const rom = this.#rom ? romBoot(ev.resetReason) : '';
        return this.#legacy ? rom : rom + encodeBootBanner({ firmware: ev.firmware, device: ev.device });
      }
      case 'power-loss':
        return this.#rom && ev.cause === 'brownout' ? '\r\nBrownout detector was triggered\r\n\r\n' : '';
      case 'record': {
        if (this.#legacy) {
          const flip = ev.wire.some((w) => w.kind === 'encoding');
          const enc = flip ? (this.#legacyEncoding === 'utf8' ? 'latin1' : 'utf8') : this.#legacyEncoding;
          const line = legacyBytes(ev.legacy.luz, ev.legacy.distCm, enc);
          const rest = ev.wire.filter((w) => w.kind !== 'encoding' && w.kind !== 'crc');
          return rest.length ? applyWireFaults(line, rest, { legacyLine: '' }) : line;
        }
        const line = ev.nanFields.length ? encodeAicssLineWithNan(ev.record) : encodeAicssLine(ev.record);
        if (ev.wire.length === 0) return line;
        return applyWireFaults(line, ev.wire, {
          legacyLine: legacyBytes(ev.legacy.luz, ev.legacy.distCm, 'utf8'),
        });
      }
    }
  }
}
