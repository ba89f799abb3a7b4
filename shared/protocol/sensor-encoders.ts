import { BOARD_FLAGS } from '../schemas/reading.ts';
import type { AicssRecord } from './aicss-serial.ts';

/**
 * `tele/<device>/SENSOR` encoders: the AICSS payload (protocol.md §4.2; built from the same record as the
 * serial line so both outputs agree) and an off-the-shelf Tasmota energy plug (§2.4), for the simulator
 * and the round-trip tests.
 */

export interface SensorExtras {
  /** ISO time of the energy counters' origin. */
  totalStartTime?: string;
  todayWh?: number[];
  yesterdayWh?: number[];
  /** Wh since the previous SENSOR message, per channel. */
  periodWh?: number[];
  restartReason?: string;
}

const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;
const opt = (v: number | undefined, dp: number) =>
  v === undefined || !Number.isFinite(v) ? null : round(v, dp);

/** ESP-IDF reset reasons (protocol.md §4.1 `rst`) as Tasmota names them in `RestartReason`. */
export const RESTART_NAMES: Readonly<Record<number, string>> = {
  1: 'Power on',
  3: 'Software/System restart',
  4: 'Exception',
  5: 'Hardware Watchdog',
  6: 'Software Watchdog',
  7: 'Hardware Watchdog',
  9: 'Brownout',
};

/** AICSS SENSOR JSON. Invalid readings are `null` (never NaN, 0 or a sentinel); `Time` is UTC with `Z`. */
export function encodeAicssSensor(rec: AicssRecord, extras: SensorExtras = {}): string {
  const st = rec.st ?? 0;
  const synced = (st & BOARD_FLAGS.CLOCK_UNSYNCED) === 0 && (rec.t ?? 0) > 0;
  const ch = [1, 2] as const;
  const g = (k: string) => (rec as Record<string, number | undefined>)[k];
  const perCh = (prefix: string, dp: number, scale = 1) =>
    ch.map((n) => opt(g(`${prefix}${n}`) === undefined ? undefined : g(`${prefix}${n}`)! * scale, dp));
  // Optional ENERGY fields are left out (JSON.stringify drops undefined) when the caller has no value.
  const kwh = (wh: number[] | undefined) => wh?.map((v) => opt(v / 1000, 3));
  const energy = {
    TotalStartTime: extras.totalStartTime,
    Total: perCh('E', 3, 1 / 1000),
    Yesterday: kwh(extras.yesterdayWh),
    Today: kwh(extras.todayWh),
    Period: extras.periodWh?.map((v) => opt(v, 2)),
    Power: perCh('P', 0),
    ApparentPower: perCh('VA', 0),
    ReactivePower: ch.map((n) => {
      const p = g(`P${n}`);
      const va = g(`VA${n}`);
      return p === undefined || va === undefined ? null : Math.round(Math.sqrt(Math.max(0, va * va - p * p)));
    }),
    Factor: perCh('PF', 2),
    Frequency: opt(rec.F, 1),
    Voltage: opt(rec.V, 1),
    Current: perCh('I', 3),
  };
  const status: Record<string, unknown> = { Flags: st, ClockSynced: synced };
  if (rec.rst !== undefined) {
    status.RestartReason = extras.restartReason ?? RESTART_NAMES[rec.rst] ?? `Reset ${rec.rst}`;
    status.ResetCode = rec.rst;
  }
  if (st & BOARD_FLAGS.ENERGY_RESTORED) status.EnergyRestored = true;
  return JSON.stringify({
    Time: synced ? new Date(rec.t! * 1000).toISOString().replace('.000Z', 'Z') : null,
    Epoch: synced ? rec.t! : 0,
    Seq: rec.MSG,
    Uptime: rec.up ?? null,
    ENERGY: energy,
    AM2301: { Temperature: opt(rec.T1, 1), Humidity: opt(rec.RH1, 1) },
    LDR: { Raw: opt(rec.ldr, 0) },
    SR04: { Distance: opt(rec.dist, 0) },
    Lights: { Internal: rec.led_in ?? null, External: rec.led_ext ?? null },
    Status: status,
    TempUnit: 'C',
  });
}

export interface TasmotaChannel {
  totalKwh: number;
  yesterdayKwh?: number;
  todayKwh?: number;
  powerW: number;
  apparentPowerVa?: number;
  reactivePowerVar?: number;
  factor?: number;
  currentA?: number;
}

export interface TasmotaSensor {
  /** Local wall-clock time without a zone, `YYYY-MM-DDTHH:MM:SS` (what Tasmota sends). */
  time: string;
  totalStartTime?: string;
  channels: TasmotaChannel[];
  voltageV?: number;
  frequencyHz?: number;
}

/** A real Tasmota `ENERGY` payload: scalars for a one-channel plug, arrays for a multi-channel meter. */
export function encodeTasmotaSensor(s: TasmotaSensor): string {
  const field = (pick: (c: TasmotaChannel) => number | undefined, dp: number) => {
    const vals = s.channels.map((c) => pick(c));
    if (vals.some((v) => v === undefined)) return undefined;
    const out = vals.map((v) => round(v!, dp));
    return out.length === 1 ? out[0] : out;
  };
  const energy: Record<string, unknown> = {
    TotalStartTime: s.totalStartTime ?? s.time,
    Total: field((c) => c.totalKwh, 3),
    Yesterday: field((c) => c.yesterdayKwh, 3),
    Today: field((c) => c.todayKwh, 3),
    Power: field((c) => c.powerW, 0),
    ApparentPower: field((c) => c.apparentPowerVa, 0),
    ReactivePower: field((c) => c.reactivePowerVar, 0),
    Factor: field((c) => c.factor, 2),
    Frequency: s.frequencyHz === undefined ? undefined : round(s.frequencyHz, 1),
    Voltage: s.voltageV === undefined ? undefined : Math.round(s.voltageV),
    Current: field((c) => c.currentA, 3),
  };
  return JSON.stringify({ Time: s.time, ENERGY: energy });
}
