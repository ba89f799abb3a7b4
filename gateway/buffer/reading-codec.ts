import type { ChannelReading, Reading, ReadingSource, TimeQuality } from '../../shared/schemas/reading.ts';

/**
 * The compact on-disk form of a reading: a JSON array with fixed positions, without the fields that
 * are columns already (device, boot, seq, ts). Measured on this machine it is about a third of the object
 * JSON (≈115 vs ≈510 bytes for a full AICSS reading) and inserts ~1.4× faster; the buffer's size per
 * reading is what sets the hours of autonomy (docs/gateway-buffer.md). Absent values are `null`;
 * trailing nulls are trimmed. Changing positions requires a schema migration that rewrites `body`.
 */

const TIME_QUALITY: readonly TimeQuality[] = ['board', 'gateway', 'unknown'];
const SOURCES: readonly ReadingSource[] = ['serial', 'mqtt', 'http', 'sim'];

type Cell = number | null | Cell[];

const opt = (v: number | undefined): number | null => (v === undefined ? null : v);
const optBool = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);

export function encodeReadingBody(r: Reading): string {
  const channels: Cell[] = r.channels.map((c) =>
    trim([opt(c.currentA), opt(c.powerW), opt(c.apparentPowerVa), opt(c.powerFactor), opt(c.energyWh)]),
  );
  const cells: Cell[] = [
    TIME_QUALITY.indexOf(r.timeQuality),
    r.receivedAt - r.ts,
    SOURCES.indexOf(r.source),
    r.flags,
    channels,
    opt(r.uptimeS),
    opt(r.resetReason),
    opt(r.voltageV),
    opt(r.frequencyHz),
    opt(r.temperatureC),
    opt(r.humidityPct),
    opt(r.lightRaw),
    opt(r.distanceCm),
    optBool(r.lampInternal),
    optBool(r.lampExternal),
  ];
  return JSON.stringify(trim(cells));
}

function trim(cells: Cell[]): Cell[] {
  let n = cells.length;
  while (n > 0 && cells[n - 1] === null) n--;
  return n === cells.length ? cells : cells.slice(0, n);
}

export interface ReadingColumns {
  device: string;
  boot: number;
  seq: number;
  ts: number;
  body: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export function decodeReadingRow(row: ReadingColumns): Reading {
  const a = JSON.parse(row.body) as unknown[];
  const r: Reading = {
    device: row.device,
    boot: row.boot,
    seq: row.seq,
    ts: row.ts,
    timeQuality: TIME_QUALITY[a[0] as number] ?? 'unknown',
    receivedAt: row.ts + (a[1] as number),
    source: SOURCES[a[2] as number] ?? 'serial',
    flags: a[3] as number,
    channels: ((a[4] as unknown[][] | undefined) ?? []).map(decodeChannel),
  };
  setNum(r, 'uptimeS', a[5]);
  setNum(r, 'resetReason', a[6]);
  setNum(r, 'voltageV', a[7]);
  setNum(r, 'frequencyHz', a[8]);
  setNum(r, 'temperatureC', a[9]);
  setNum(r, 'humidityPct', a[10]);
  setNum(r, 'lightRaw', a[11]);
  setNum(r, 'distanceCm', a[12]);
  if (typeof a[13] === 'number') r.lampInternal = a[13] === 1;
  if (typeof a[14] === 'number') r.lampExternal = a[14] === 1;
  return r;
}

type NumericKey =
  | 'uptimeS'
  | 'resetReason'
  | 'voltageV'
  | 'frequencyHz'
  | 'temperatureC'
  | 'humidityPct'
  | 'lightRaw'
  | 'distanceCm';

function setNum(r: Reading, key: NumericKey, v: unknown): void {
  const n = num(v);
  if (n !== undefined) r[key] = n;
}

function decodeChannel(c: unknown[]): ChannelReading {
  const out: ChannelReading = {};
  const [currentA, powerW, apparentPowerVa, powerFactor, energyWh] = c.map(num);
  if (currentA !== undefined) out.currentA = currentA;
  if (powerW !== undefined) out.powerW = powerW;
  if (apparentPowerVa !== undefined) out.apparentPowerVa = apparentPowerVa;
  if (powerFactor !== undefined) out.powerFactor = powerFactor;
  if (energyWh !== undefined) out.energyWh = energyWh;
  return out;
}
