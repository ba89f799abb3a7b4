/**
 * The flat CSV toward SCR (R), protocol.md §4.3: UTF-8, `,` separator, one header row, ISO 8601 UTC
 * timestamps, `NA` for anything missing (never 0 or an empty field), booleans as 1/0 (the wire form of
 * `led_in`/`led_ext`). `read.csv(url)` reads it as is; see docs/r-analysis.md.
 */

export const RAW_COLUMNS = [
  'device_id',
  'timestamp',
  'seq',
  'uptime_s',
  'voltage_v',
  'freq_hz',
  'p1_w',
  'p2_w',
  'e1_wh',
  'e2_wh',
  'pf1',
  'pf2',
  'temp_c',
  'rh_pct',
  'light_level',
  'distance_cm',
  'internal_led',
  'external_led',
  'status_flags',
  'clock_synced',
] as const;

export const HOURLY_COLUMNS = [
  'device_id',
  'site_id',
  'hour_start',
  'energy_wh',
  'e1_wh',
  'e2_wh',
  'voltage_min',
  'voltage_max',
  'voltage_mean',
  'power_max_w',
  'reading_count',
  'expected_count',
  'completeness',
  'lamp_internal_on_count',
  'lamp_external_on_count',
] as const;

export interface RawRow {
  device_id: string;
  ts: Date;
  seq: string | number;
  uptime_s: string | number | null;
  voltage_v: number | null;
  frequency_hz: number | null;
  power_w: (number | null)[] | null;
  energy_wh: (number | null)[] | null;
  power_factor: (number | null)[] | null;
  temperature_c: number | null;
  humidity_pct: number | null;
  light_raw: number | null;
  distance_cm: number | null;
  lamp_internal: boolean | null;
  lamp_external: boolean | null;
  flags: number;
  time_quality: string;
}

export interface HourlyRow {
  device_id: string;
  site_id: string;
  hour_start: Date;
  energy_wh_total: number | null;
  energy_wh: (number | null)[] | null;
  voltage_min: number | null;
  voltage_max: number | null;
  voltage_sum: number | null;
  voltage_count: number | null;
  power_max_w: number | null;
  reading_count: number | null;
  expected_count: number;
  lamp_internal_on_count: number | null;
  lamp_external_on_count: number | null;
}

const NA = 'NA';

function num(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return NA;
  const n = typeof v === 'string' ? Number(v) : v;
  return Number.isFinite(n) ? String(n) : NA;
}

function bool(v: boolean | null): string {
  return v === null ? NA : v ? '1' : '0';
}

/** RFC 4180 quoting for text cells (device ids are slugs, but never trust that for a CSV). */
export function text(v: string): string {
  return /[",\r\n]/.test(v) || v === NA ? `"${v.replaceAll('"', '""')}"` : v;
}

const at = (a: (number | null)[] | null, i: number) => (a && a.length > i ? a[i]! : null);

export function headerLine(columns: readonly string[]): string {
  return `${columns.join(',')}\n`;
}

export function rawLine(r: RawRow): string {
  return `${[
    text(r.device_id),
    r.ts.toISOString(),
    num(r.seq),
    num(r.uptime_s),
    num(r.voltage_v),
    num(r.frequency_hz),
    num(at(r.power_w, 0)),
    num(at(r.power_w, 1)),
    num(at(r.energy_wh, 0)),
    num(at(r.energy_wh, 1)),
    num(at(r.power_factor, 0)),
    num(at(r.power_factor, 1)),
    num(r.temperature_c),
    num(r.humidity_pct),
    num(r.light_raw),
    num(r.distance_cm),
    bool(r.lamp_internal),
    bool(r.lamp_external),
    num(r.flags),
    r.time_quality === 'board' ? '1' : '0',
  ].join(',')}\n`;
}

export function hourlyLine(r: HourlyRow): string {
  const has = r.reading_count !== null;
  const mean = r.voltage_sum !== null && r.voltage_count ? r.voltage_sum / r.voltage_count : null;
  return `${[
    text(r.device_id),
    text(r.site_id),
    r.hour_start.toISOString(),
    num(r.energy_wh_total),
    num(at(r.energy_wh, 0)),
    num(at(r.energy_wh, 1)),
    num(r.voltage_min),
    num(r.voltage_max),
    num(mean === null ? null : Math.round(mean * 1000) / 1000),
    num(r.power_max_w),
    num(r.reading_count),
    num(r.expected_count),
    has ? num(Math.round(Math.min(1, (r.reading_count ?? 0) / r.expected_count) * 1e4) / 1e4) : NA,
    num(r.lamp_internal_on_count),
    num(r.lamp_external_on_count),
  ].join(',')}\n`;
}
