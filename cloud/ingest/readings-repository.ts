import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Reading } from '../../shared/schemas/reading.ts';

/** Columns written by ingest, in COPY order; `ingested_at` takes its default. */
const COLUMNS = [
  'device_id',
  'boot',
  'seq',
  'ts',
  'time_quality',
  'received_at',
  'gateway_id',
  'source',
  'uptime_s',
  'reset_reason',
  'voltage_v',
  'frequency_hz',
  'current_a',
  'power_w',
  'apparent_power_va',
  'power_factor',
  'energy_wh',
  'temperature_c',
  'humidity_pct',
  'light_raw',
  'distance_cm',
  'lamp_internal',
  'lamp_external',
  'flags',
].join(', ');

const NULL = '\\N';

function num(v: number | undefined): string {
  return v === undefined ? NULL : String(v);
}

function bool(v: boolean | undefined): string {
  return v === undefined ? NULL : v ? 't' : 'f';
}

function arr(channels: Reading['channels'], pick: (c: Reading['channels'][number]) => number | undefined) {
  if (channels.length === 0) return NULL;
  return `{${channels.map((c) => pick(c) ?? 'NULL').join(',')}}`;
}

/**
 * One line of COPY text format. Every text field is an id matching `[A-Za-z0-9_.-]` or an enum value (zod
 * checked), so nothing needs escaping; numbers are finite (zod rejects NaN/Infinity).
 */
export function readingCopyLine(r: Reading, gatewayId: string): string {
  return [
    r.device,
    r.boot,
    r.seq,
    new Date(r.ts).toISOString(),
    r.timeQuality,
    new Date(r.receivedAt).toISOString(),
    gatewayId,
    r.source,
    num(r.uptimeS),
    num(r.resetReason),
    num(r.voltageV),
    num(r.frequencyHz),
    arr(r.channels, (c) => c.currentA),
    arr(r.channels, (c) => c.powerW),
    arr(r.channels, (c) => c.apparentPowerVa),
    arr(r.channels, (c) => c.powerFactor),
    arr(r.channels, (c) => c.energyWh),
    num(r.temperatureC),
    num(r.humidityPct),
    num(r.lightRaw),
    num(r.distanceCm),
    bool(r.lampInternal),
    bool(r.lampExternal),
    r.flags,
  ].join('\t');
}

async function copyLines(client: pg.PoolClient, table: string, lines: readonly string[]): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} (${COLUMNS}) from stdin`));
  async function* chunks() {
    // ~256 KiB writes: few enough to be cheap, small enough not to hold a second copy of a big batch.
    for (let i = 0; i < lines.length; i += 512) yield `${lines.slice(i, i + 512).join('\n')}\n`;
  }
  await pipeline(Readable.from(chunks()), stream);
}

/** COPY straight into the partitioned table: the fast path. Fails with 23505 if any row exists already. */
export async function copyReadings(client: pg.PoolClient, lines: readonly string[]): Promise<void> {
  await copyLines(client, 'readings', lines);
}

export interface InsertedKey {
  device: string;
  ts: number;
  boot: number;
  seq: number;
}

/**
 * The de-duplicating path: COPY into a temporary staging table, then INSERT … ON CONFLICT DO NOTHING.
 * Returns the keys actually inserted; the others were already stored.
 */
export async function copyReadingsDeduplicated(
  client: pg.PoolClient,
  lines: readonly string[],
): Promise<InsertedKey[]> {
  await client.query('create temp table readings_stage (like readings including defaults) on commit drop');
  await copyLines(client, 'readings_stage', lines);
  const { rows } = await client.query<{ device_id: string; ts: Date; boot: string; seq: string }>(
    `insert into readings select * from readings_stage
     on conflict do nothing returning device_id, ts, boot, seq`,
  );
  await client.query('drop table readings_stage');
  return rows.map((r) => ({
    device: r.device_id,
    ts: r.ts.getTime(),
    boot: Number(r.boot),
    seq: Number(r.seq),
  }));
}
