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
  return v === undefined ? NULL : `${v}`;
}

function bool(v: boolean | undefined): string {
  return v === undefined ? NULL : v ? 't' : 'f';
}

type Channel = Reading['channels'][number];

/** `{a,b}` with NULL for a missing channel value; `\N` when the reading has no channels. */
function arr(channels: readonly Channel[], key: keyof Channel): string {
  if (channels.length === 0) return NULL;
  let out = '{';
  for (let i = 0; i < channels.length; i++) {
    const v = channels[i]![key];
    out += `${i === 0 ? '' : ','}${v === undefined ? 'NULL' : v}`;
  }
  return `${out}}`;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * ISO-8601 UTC with milliseconds, as `Date#toISOString` but with the `YYYY-MM-DDTHH:` prefix reused for all
 * times in the same hour (a batch is mostly one or two hours): formatting was a third of the line cost.
 */
class IsoFormatter {
  private hour = Number.NaN;
  private prefix = '';

  format(ms: number): string {
    const hour = Math.floor(ms / 3_600_000);
    if (hour !== this.hour) {
      this.hour = hour;
      this.prefix = new Date(hour * 3_600_000).toISOString().slice(0, 14);
    }
    const rest = ms - hour * 3_600_000;
    const min = Math.floor(rest / 60_000);
    const sec = Math.floor((rest % 60_000) / 1000);
    return `${this.prefix}${pad2(min)}:${pad2(sec)}.${pad3(rest % 1000)}Z`;
  }
}

/**
 * Builds COPY text lines. Every text field is an id matching `[A-Za-z0-9_.-]` or an enum value (zod
 * checked), so nothing needs escaping; numbers are finite (zod rejects NaN/Infinity).
 */
export class CopyLineBuilder {
  private readonly iso = new IsoFormatter();

  line(r: Reading, gatewayId: string): string {
    const c = r.channels;
    return (
      `${r.device}\t${r.boot}\t${r.seq}\t${this.iso.format(r.ts)}\t${r.timeQuality}\t` +
      `${this.iso.format(r.receivedAt)}\t${gatewayId}\t${r.source}\t${num(r.uptimeS)}\t${num(r.resetReason)}\t` +
      `${num(r.voltageV)}\t${num(r.frequencyHz)}\t${arr(c, 'currentA')}\t${arr(c, 'powerW')}\t` +
      `${arr(c, 'apparentPowerVa')}\t${arr(c, 'powerFactor')}\t${arr(c, 'energyWh')}\t${num(r.temperatureC)}\t` +
      `${num(r.humidityPct)}\t${num(r.lightRaw)}\t${num(r.distanceCm)}\t${bool(r.lampInternal)}\t` +
      `${bool(r.lampExternal)}\t${r.flags}`
    );
  }
}

/** One COPY text line (see CopyLineBuilder; use one builder per batch when formatting many). */
export function readingCopyLine(r: Reading, gatewayId: string): string {
  return new CopyLineBuilder().line(r, gatewayId);
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
