/**
 * `npm run bench:sim` — how fast the simulator backfills, and how fast the gateway's serial path decodes what
 * it produces, each next to the raw limit measured in the same run on the same machine:
 *
 * 1. Backfill: one year of one-minute readings of 10 boards (5.26 M readings) through the real runner
 *    (physics, faults off, AICSS/1 encoding, 64 KiB chunks) into a sink that only counts bytes.
 *    Limits: (a) drawing the same amount of random numbers; (b) random numbers + formatting the same lines
 *    with the shared encoder — no physics, no scheduling.
 * 2. Decode: `measureFramerDecodeRate` (shared/protocol): the simulator's lines through LineFramer +
 *    decodeSerialItem, against a bare `indexOf` split of the same bytes.
 *
 * `--days N` measures a slice of N days instead of the year (the output says so).
 */
import { performance } from 'node:perf_hooks';
import type { ByteSink } from '../firmware-sim/outputs/byte-sink.ts';
import { renderSerial } from '../firmware-sim/render.ts';
import { Rng } from '../firmware-sim/rng.ts';
import { runSimulation } from '../firmware-sim/run-sim.ts';
import { createSimulation } from '../firmware-sim/simulation.ts';
import { silentLogger } from '../shared/log.ts';
import { type AicssRecord, encodeAicssLine } from '../shared/protocol/aicss-serial.ts';
import { measureFramerDecodeRate } from '../shared/protocol/framer-throughput.ts';

const BOARDS = 10;
const TELE_S = 60;
const DAY_MS = 86_400_000;
const FROM = Date.UTC(2024, 0, 1);

function argDays(): number {
  const i = process.argv.indexOf('--days');
  const v = i >= 0 ? Number(process.argv[i + 1]) : 365;
  return Number.isFinite(v) && v > 0 ? v : 365;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Random numbers only: the ~24 draws the board model makes per reading. */
function rawRandom(readings: number): number {
  const rng = new Rng('bench/raw');
  let acc = 0;
  const t = performance.now();
  for (let i = 0; i < readings; i++) for (let k = 0; k < 24; k++) acc += rng.next();
  const s = (performance.now() - t) / 1000;
  if (acc < 0) console.log(acc);
  return readings / s;
}

/** Random values + the shared encoder: what backfill would cost with no physics and no scheduling. */
function rawFormat(readings: number): number {
  const rng = new Rng('bench/format');
  let bytes = 0;
  const t = performance.now();
  for (let i = 0; i < readings; i++) {
    const rec: AicssRecord = {
      MSG: i,
      t: 1_704_067_200 + i * 60,
      up: i * 60,
      V: 120 + rng.next() * 10,
      F: 60 + rng.next() * 0.1,
      I1: rng.next(),
      P1: rng.next() * 60,
      VA1: rng.next() * 63,
      PF1: 0.9 + rng.next() * 0.1,
      E1: 1000 + i,
      I2: rng.next(),
      P2: rng.next() * 100,
      VA2: rng.next() * 100,
      PF2: rng.next(),
      E2: 4000 + i,
      T1: 15 + rng.next() * 15,
      RH1: 40 + rng.next() * 50,
      ldr: Math.floor(rng.next() * 4000),
      dist: Math.floor(rng.next() * 300),
      led_in: rng.next() < 0.5 ? 1 : 0,
      led_ext: rng.next() < 0.5 ? 1 : 0,
      st: 0,
    };
    bytes += encodeAicssLine(rec).length;
  }
  const s = (performance.now() - t) / 1000;
  if (bytes < 0) console.log(bytes);
  return readings / s;
}

async function main(): Promise<void> {
  const days = argDays();
  const slice = days < 365;
  const expected = (BOARDS * days * DAY_MS) / (TELE_S * 1000);
  console.log(`sim bench — node ${process.version}, ${new Date().toISOString()}`);
  console.log(
    slice
      ? `backfill: a SLICE of ${days} days (not the full year) of 1-minute readings, ${BOARDS} boards (${fmt(expected)} readings)`
      : `backfill: one year of 1-minute readings, ${BOARDS} boards (${fmt(expected)} readings)`,
  );

  let bytes = 0;
  const counting: ByteSink = {
    name: 'count',
    write(chunk) {
      bytes += chunk.length;
      return undefined;
    },
    async close() {},
  };
  const cpu0 = process.cpuUsage();
  const stats = await runSimulation(
    {
      seed: 'bench',
      boards: BOARDS,
      telePeriodS: TELE_S,
      from: FROM,
      to: FROM + days * DAY_MS,
      sinks: [counting],
    },
    { log: silentLogger() },
  );
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const backfillRate = stats.records / (stats.wallMs / 1000);
  console.log(
    `  ${fmt(stats.records)} readings, ${(bytes / 1e6).toFixed(1)} MB in ${(stats.wallMs / 1000).toFixed(1)} s → ${fmt(backfillRate)} readings/s (${(bytes / 1e6 / (stats.wallMs / 1000)).toFixed(1)} MB/s)`,
  );
  // On a shared machine the wall clock includes time the process was not scheduled: CPU time says how much
  // work one core does. Both are printed; the ratios below compare wall-clock rates of the same run.
  console.log(
    `  CPU ${cpuS.toFixed(1)} s (${((100 * cpuS) / (stats.wallMs / 1000)).toFixed(0)} % of one core) → ${fmt(stats.records / cpuS)} readings per CPU-second`,
  );

  const rawN = 1_000_000;
  const randomRate = rawRandom(rawN);
  const formatRate = rawFormat(rawN);
  console.log(`  raw limit (a) 24 random draws per reading:            ${fmt(randomRate)} readings/s`);
  console.log(`  raw limit (b) random values + shared AICSS/1 encoder:  ${fmt(formatRate)} readings/s`);
  console.log(
    `  ratio backfill / (b) = ${(backfillRate / formatRate).toFixed(2)}, backfill / (a) = ${(backfillRate / randomRate).toFixed(3)}`,
  );

  // The simulator's own lines (a day of 10 boards, banners included) as the decode workload.
  const sample = renderSerial(
    createSimulation({ seed: 'bench-lines', boards: BOARDS, startMs: FROM, telePeriodS: TELE_S }),
    FROM + DAY_MS,
  );
  const lines = sample
    .toString('latin1')
    .split('\n')
    .filter(Boolean)
    .map((l) => `${l}\n`);
  const cpuF = process.cpuUsage();
  const wallF = performance.now();
  const framer = await measureFramerDecodeRate({ lines, seconds: 3 });
  const framerCpuShare = (() => {
    const c = process.cpuUsage(cpuF);
    return (c.user + c.system) / 1e3 / (performance.now() - wallF);
  })();
  console.log(`decode: ${fmt(lines.length)} simulator lines, ${fmt(framer.lines)} framed in the measurement`);
  console.log(
    `  LineFramer + decodeSerialItem('aicss'): ${fmt(framer.framerLinesPerS)} lines/s (${fmt(framer.ok)} ok, ${fmt(framer.rejected)} rejected)`,
  );
  console.log(`  raw limit: Buffer.indexOf line split:    ${fmt(framer.rawLinesPerS)} lines/s`);
  console.log(`  ratio framer / indexOf = ${framer.ratio.toFixed(3)}`);
  console.log(
    `  (the process had ${(100 * framerCpuShare).toFixed(0)} % of one core during the decode measurement)`,
  );
  console.log(
    `summary: backfill ${fmt(backfillRate)} readings/s${slice ? ` (slice of ${days} d)` : ' (full year)'}; framer decode ${fmt(framer.framerLinesPerS)} lines/s`,
  );
}

await main();
