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

const BACKSLASH = 92;
const N = 78;
const TAB = 9;
const NEWLINE = 10;
const COMMA = 44;
const ZERO = 48;

type Channel = Reading['channels'][number];
const CHANNEL_COLUMNS: (keyof Channel)[] = [
  'currentA',
  'powerW',
  'apparentPowerVa',
  'powerFactor',
  'energyWh',
];

/**
 * COPY text of a batch in ONE buffer. Each reading is formatted straight into it — integers and times digit
 * by digit, other numbers as their shortest text — and the batch is later sent as byte ranges of it, so no
 * line exists as a string (a line built by concatenation was ~50 string pieces, 2 KB of garbage per reading)
 * and nothing is joined or converted again. Every text field is an id matching `[A-Za-z0-9_.-]` or an enum
 * value (zod checked), so nothing needs escaping and all text is ASCII, one byte per character; numbers are
 * finite (zod rejects NaN/Infinity).
 */
export class CopyText {
  buf: Buffer = Buffer.allocUnsafe(256 * 1024);
  length = 0;
  private hour = Number.NaN;
  /** `YYYY-MM-DDTHH:` of `hour`, as bytes. */
  private readonly prefix = Buffer.alloc(14);

  /** Appends the COPY line of `r` and a newline; returns the [start, end) of the line with its newline. */
  appendReading(r: Reading, gatewayId: string): [number, number] {
    const start = this.length;
    // Ids ≤ 64, enums ≤ 7, numbers ≤ 24 characters; channels ≤ 8: a line is at most ~1.2 KB.
    this.reserve(2048);
    this.text(r.device);
    this.tab();
    this.int(r.boot);
    this.tab();
    this.int(r.seq);
    this.tab();
    this.time(r.ts);
    this.tab();
    this.text(r.timeQuality);
    this.tab();
    this.time(r.receivedAt);
    this.tab();
    this.text(gatewayId);
    this.tab();
    this.text(r.source);
    this.tab();
    this.num(r.uptimeS);
    this.tab();
    this.num(r.resetReason);
    this.tab();
    this.num(r.voltageV);
    this.tab();
    this.num(r.frequencyHz);
    for (const key of CHANNEL_COLUMNS) {
      this.tab();
      this.channelArray(r.channels, key);
    }
    this.tab();
    this.num(r.temperatureC);
    this.tab();
    this.num(r.humidityPct);
    this.tab();
    this.num(r.lightRaw);
    this.tab();
    this.num(r.distanceCm);
    this.tab();
    this.bool(r.lampInternal);
    this.tab();
    this.bool(r.lampExternal);
    this.tab();
    this.int(r.flags);
    this.buf[this.length++] = NEWLINE;
    return [start, this.length];
  }

  /** The given ranges, in that order, as one buffer. */
  gather(ranges: readonly (readonly [number, number])[]): Buffer {
    let size = 0;
    for (const [s, e] of ranges) size += e - s;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const [s, e] of ranges) at += this.buf.copy(out, at, s, e);
    return out;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.length + n, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  private tab(): void {
    this.buf[this.length++] = TAB;
  }

  private nullValue(): void {
    this.buf[this.length++] = BACKSLASH;
    this.buf[this.length++] = N;
  }

  /**
   * ASCII text, one byte per character. Short strings (ids, enums, numbers: all of a line's text) are copied
   * in a JS loop — `Buffer#write` is a native call whose fixed cost is several times a 12-character copy.
   */
  private text(s: string): void {
    const n = s.length;
    if (n > 64) {
      this.length += this.buf.write(s, this.length, 'latin1');
      return;
    }
    const b = this.buf;
    let at = this.length;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.length = at;
  }

  /** A non-negative safe integer, digit by digit. */
  private int(n: number): void {
    if (n < 10) {
      this.buf[this.length++] = ZERO + n;
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    const end = this.length + digits;
    let at = end;
    let x = n;
    do {
      this.buf[--at] = ZERO + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
    this.length = end;
  }

  private num(v: number | undefined): void {
    if (v === undefined) this.nullValue();
    else if (Number.isSafeInteger(v) && v >= 0) this.int(v);
    else this.text(`${v}`);
  }

  private bool(v: boolean | undefined): void {
    if (v === undefined) this.nullValue();
    else this.buf[this.length++] = v ? 116 : 102; // t / f
  }

  /** `{a,b}` with NULL for a missing channel value; `\N` when the reading has no channels. */
  private channelArray(channels: readonly Channel[], key: keyof Channel): void {
    if (channels.length === 0) {
      this.nullValue();
      return;
    }
    this.buf[this.length++] = 123; // {
    for (let i = 0; i < channels.length; i++) {
      if (i > 0) this.buf[this.length++] = COMMA;
      const v = channels[i]![key];
      if (v === undefined) this.text('NULL');
      else if (Number.isSafeInteger(v) && v >= 0) this.int(v);
      else this.text(`${v}`);
    }
    this.buf[this.length++] = 125; // }
  }

  /**
   * ISO-8601 UTC with milliseconds, as `Date#toISOString` (years 1970–9999), with the `YYYY-MM-DDTHH:` prefix
   * kept for all times in the same hour (a batch is mostly one or two hours).
   */
  private time(ms: number): void {
    const hour = Math.floor(ms / 3_600_000);
    if (hour !== this.hour) {
      this.hour = hour;
      this.prefix.write(new Date(hour * 3_600_000).toISOString().slice(0, 14), 0, 'latin1');
    }
    this.length += this.prefix.copy(this.buf, this.length);
    const rest = ms - hour * 3_600_000;
    const min = Math.floor(rest / 60_000);
    const sec = Math.floor((rest % 60_000) / 1000);
    const milli = rest % 1000;
    const b = this.buf;
    let at = this.length;
    b[at++] = ZERO + Math.floor(min / 10);
    b[at++] = ZERO + (min % 10);
    b[at++] = 58; // :
    b[at++] = ZERO + Math.floor(sec / 10);
    b[at++] = ZERO + (sec % 10);
    b[at++] = 46; // .
    b[at++] = ZERO + Math.floor(milli / 100);
    b[at++] = ZERO + (Math.floor(milli / 10) % 10);
    b[at++] = ZERO + (milli % 10);
    b[at++] = 90; // Z
    this.length = at;
  }
}

/** One COPY text line without its newline (CopyText.appendReading; for tests and the bench's raw COPY). */
export function readingCopyLine(r: Reading, gatewayId: string): string {
  const t = new CopyText();
  const [start, end] = t.appendReading(r, gatewayId);
  return t.buf.toString('latin1', start, end - 1);
}

async function copyText(client: pg.PoolClient, table: string, text: Buffer): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} (${COLUMNS}) from stdin`));
  await pipeline(Readable.from([text]), stream);
}

/** COPY straight into the partitioned table: the fast path. Fails with 23505 if any row exists already. */
export async function copyReadings(client: pg.PoolClient, text: Buffer): Promise<void> {
  await copyText(client, 'readings', text);
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
export async function copyReadingsDeduplicated(client: pg.PoolClient, text: Buffer): Promise<InsertedKey[]> {
  await client.query('create temp table readings_stage (like readings including defaults) on commit drop');
  await copyText(client, 'readings_stage', text);
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
