import type { AicssRecord } from '../shared/protocol/aicss-serial.ts';
import type { SensorExtras } from '../shared/protocol/mqtt-sensor.ts';
import { RESTART_NAMES } from '../shared/protocol/sensor-encoders.ts';

/**
 * What a simulated board does, in time order. The board decides everything (readings, faults, which bytes
 * get mangled); the outputs only encode: serial (AICSS/1 or the legacy line) and MQTT render the same event.
 */

/** Framing faults decided by the board for one record; each output renders what it can. */
export type WireFault =
  /** Change the body byte at `at` (fraction of the body) after the CRC was computed. */
  | { kind: 'crc'; at: number }
  /** Random bytes before the line, or inside it at `at` (fraction). */
  | { kind: 'garbage'; bytes: Buffer; at: number | 'before' }
  /** Keep only `keep` (fraction) of the line; `crlf` says whether a CRLF still ends it. */
  | { kind: 'truncate'; keep: number; crlf: boolean }
  /** Pad the line to `totalBytes` (> 256) before its CRLF. */
  | { kind: 'overlong'; totalBytes: number }
  /** The original firmware's non-ASCII line on the AICSS port (legacy mode: Latin-1 instead of UTF-8). */
  | { kind: 'encoding' };

export interface BootEvent {
  type: 'boot';
  atMs: number;
  board: number;
  device: string;
  firmware: string;
  /** ESP-IDF reset reason of this boot (1 power-on, 4 panic, 6 task watchdog, 9 brownout). */
  resetReason: number;
  telePeriodS: number;
}

export interface PowerLossEvent {
  type: 'power-loss';
  atMs: number;
  board: number;
  device: string;
  cause: 'brownout' | 'hang' | 'panic';
}

export interface RecordEvent {
  type: 'record';
  atMs: number;
  board: number;
  device: string;
  /** The AICSS/1 record; NaN values are printed as `nan` by the serial encoder (see `nanFields`). */
  record: AicssRecord;
  /** Keys whose value the firmware printed as `nan` (the dht-nan / meter-nan faults). */
  nanFields: readonly string[];
  /** Extras for the MQTT SENSOR payload (Today/Yesterday/Period, TotalStartTime, restart reason). */
  sensor: SensorExtras;
  /** What the original firmware would print: `Luz: <luz> | Distância: <distCm> cm`. */
  legacy: { luz: number; distCm: number };
  /** STATE fields. */
  diag: { heapKb: number; wifiRssiPct: number; wifiSignalDbm: number; restartReason: string };
  wire: readonly WireFault[];
}

export type SimEvent = BootEvent | PowerLossEvent | RecordEvent;

/** Tasmota's `RestartReason` text for an ESP-IDF reset code. */
export function restartReasonText(code: number): string {
  return RESTART_NAMES[code] ?? `Reset ${code}`;
}
