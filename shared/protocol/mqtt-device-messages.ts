import { z } from 'zod';

/**
 * The non-SENSOR messages of the Tasmota-style tree (protocol.md §4.2): `tele/<dev>/STATE`, `tele/<dev>/INFO1`,
 * `stat/<dev>/RESULT` and the `cmnd/<dev>/<Cmd>` arguments. Encoders write what an AICSS board sends; decoders
 * also accept what real Tasmota firmware sends (extra fields, `Info1` wrapper, `Uptime` as `1T02:03:04`).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface DeviceState {
  /** Board time as sent: AICSS ISO-8601 UTC with `Z`, Tasmota local time without a zone; null if unsynced. */
  time: string | null;
  /** Uptime, s. */
  uptimeS?: number;
  /** Free heap, kB (Tasmota `Heap`). */
  heapKb?: number;
  /** Wi-Fi link quality, 0–100 % (Tasmota `Wifi.RSSI` is a percentage, not dBm). */
  wifiRssiPct?: number;
  /** Wi-Fi signal, dBm (Tasmota `Wifi.Signal`). */
  wifiSignalDbm?: number;
  /** Human reason of the last restart, e.g. `Brownout`. */
  restartReason?: string;
}

export interface DeviceInfo {
  /** Tasmota `Module`; `AICSS` for our boards. */
  module: string;
  version: string;
  /** Telemetry period, s. */
  telePeriodS?: number;
}

/** A `stat/<dev>/RESULT` payload: `{"<Command>":<value>}`, or `{"Command":"Unknown"}` / `{"Command":"Error"}`. */
export type CommandResult = { [k: string]: JsonValue };

/** Commands an AICSS board accepts on `cmnd/<dev>/<Cmd>` (≈ the original CDS `PUT /api/v1/aicss/config`). */
export const AICSS_COMMANDS = ['TelePeriod', 'LdrThreshold', 'DistThreshold', 'EnergyReset'] as const;
export type AicssCommand = (typeof AICSS_COMMANDS)[number];

/** Tasmota's uptime text: `<days>T<HH>:<MM>:<SS>`. */
export function formatUptime(s: number): string {
  const t = Math.max(0, Math.floor(s));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(t / 86400)}T${pad(Math.floor(t / 3600) % 24)}:${pad(Math.floor(t / 60) % 60)}:${pad(t % 60)}`;
}

export function parseUptime(text: string): number | undefined {
  const m = /^(\d+)T(\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  return +m[1]! * 86400 + +m[2]! * 3600 + +m[3]! * 60 + +m[4]!;
}

export function encodeState(s: DeviceState): string {
  const wifi: Record<string, number> = {};
  if (s.wifiRssiPct !== undefined) wifi.RSSI = s.wifiRssiPct;
  if (s.wifiSignalDbm !== undefined) wifi.Signal = s.wifiSignalDbm;
  return JSON.stringify({
    Time: s.time,
    ...(s.uptimeS !== undefined && { Uptime: formatUptime(s.uptimeS), UptimeSec: Math.floor(s.uptimeS) }),
    ...(s.heapKb !== undefined && { Heap: s.heapKb }),
    ...(Object.keys(wifi).length > 0 && { Wifi: wifi }),
    ...(s.restartReason !== undefined && { RestartReason: s.restartReason }),
  });
}

const finite = z.number().refine(Number.isFinite);
const StatePayload = z.object({
  Time: z.string().max(64).nullable().optional(),
  Uptime: z.union([z.string().max(32), finite]).optional(),
  UptimeSec: finite.min(0).optional(),
  Heap: finite.optional(),
  Wifi: z.object({ RSSI: finite.optional(), Signal: finite.optional() }).optional(),
  RestartReason: z.string().max(200).optional(),
});

export function decodeStatePayload(doc: unknown): DeviceState | undefined {
  const p = StatePayload.safeParse(doc);
  if (!p.success) return undefined;
  const d = p.data;
  const uptime = d.UptimeSec ?? (typeof d.Uptime === 'string' ? parseUptime(d.Uptime) : d.Uptime);
  const s: DeviceState = { time: d.Time ?? null };
  if (uptime !== undefined && uptime >= 0) s.uptimeS = uptime;
  if (d.Heap !== undefined) s.heapKb = d.Heap;
  if (d.Wifi?.RSSI !== undefined) s.wifiRssiPct = d.Wifi.RSSI;
  if (d.Wifi?.Signal !== undefined) s.wifiSignalDbm = d.Wifi.Signal;
  if (d.RestartReason !== undefined) s.restartReason = d.RestartReason;
  return s;
}

export function encodeInfo1(info: DeviceInfo): string {
  return JSON.stringify({
    Module: info.module,
    Version: info.version,
    ...(info.telePeriodS !== undefined && { TelePeriod: info.telePeriodS }),
  });
}

const InfoFields = z.object({
  Module: z.string().max(100),
  Version: z.string().max(100),
  TelePeriod: finite.min(0).optional(),
});
// Tasmota ≥ 9 wraps the fields in `{"Info1":{…}}`; older firmware and AICSS send them flat.
const InfoPayload = z.union([z.object({ Info1: InfoFields }).transform((d) => d.Info1), InfoFields]);

export function decodeInfo1Payload(doc: unknown): DeviceInfo | undefined {
  const p = InfoPayload.safeParse(doc);
  if (!p.success) return undefined;
  const info: DeviceInfo = { module: p.data.Module, version: p.data.Version };
  if (p.data.TelePeriod !== undefined) info.telePeriodS = p.data.TelePeriod;
  return info;
}

export function encodeResult(result: CommandResult): string {
  return JSON.stringify(result);
}

/** The MQTT payload of a command: the argument as text; empty means "query the current value". */
export function encodeCommandArgument(argument: string | number | undefined): string {
  return argument === undefined ? '' : String(argument);
}
