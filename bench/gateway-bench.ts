/**
 * `npm run bench:gateway` — the gateway's ingest against its physical limits, in one run:
 *  1. MQTT ceiling: 100 simulated boards (100 MQTT connections, one client process) publish QoS 1 at full
 *     speed, 10 in flight per board, to a bare aedes broker in its own process (plain node) that stores
 *     nothing.
 *  2. End-to-end: the same client, payloads, QoS and window against the real gateway as deployed
 *     (`node dist/cds.mjs gateway run`, the bundle of `npm run build`, own process, the node flags of
 *     deploy/cds-gateway.service): PUBACK only after the SQLite commit (synchronous=FULL, the default).
 *     Bare broker and gateway run in alternating rounds (medians printed, with the range), so a machine
 *     that gets busier or quieter meanwhile affects both alike.
 *  3. On the same gateway process: p50/p99 PUBACK latency at a steady 1 000 readings/s (100 boards × 10/s)
 *     with its CPU at that rate, then its peak RSS over everything (VmHWM from /proc/<pid>/status).
 *  4. Raw SQLite: the same readings inserted into the same schema directly (gw-core's ReadingStore,
 *     transactions of 1000, synchronous=FULL), no MQTT, no decoding.
 *  5. Reference: the same gateway through tsx (`npm start`, `npx cds`): rate, CPU, p99, peak RSS.
 *  6. Serial: 8 pseudo-terminals (socat) written at 115 200 baud (paced to 11 520 bytes/s each) into the
 *     bundled gateway with 8 serial ports; readings/s stored and the gateway's CPU use at that line rate.
 * The machine is shared: the load average is printed before and after, and the CPU each broker process
 * spends per message is printed next to the rates (steadier than rates when other work competes).
 *
 * Options: --seconds S (5, per round) --rounds N (5) --boards N (100) --window W (10 per board)
 * --phases bare,gateway,raw,tsx,serial (all; bare runs only with gateway) --paced-seconds S (10); to look
 * inside: --cpu-prof DIR (V8 CPU profile of the bundled gateway), --node-flags "--trace-gc …" (node flags of
 * the bare broker and the bundled gateway), --node-out FILE (their stdout).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { openGatewayDatabase } from '../gateway/buffer/open-database.ts';
import { ReadingStore } from '../gateway/buffer/readings-repository.ts';
import { silentLogger } from '../shared/log.ts';
import { encodeAicssLine } from '../shared/protocol/aicss-serial.ts';
import { decodeSensorPayload, encodeAicssSensor } from '../shared/protocol/mqtt-sensor.ts';
import { toReading } from '../shared/protocol/normalize.ts';
import type { Reading } from '../shared/schemas/reading.ts';
import { freePort } from '../shared/util/free-port.ts';
import { buildCdsBundle } from '../test/helpers/gw-build.ts';
import { openPtyPair, type PtyPair } from '../test/helpers/gw-pty.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    boards: { type: 'string', default: '100' },
    window: { type: 'string', default: '10' },
    phases: { type: 'string', default: 'bare,gateway,raw,tsx,serial' },
    'cpu-prof': { type: 'string' },
    'paced-seconds': { type: 'string', default: '10' },
    'node-flags': { type: 'string' },
    'node-out': { type: 'string' },
  },
});

const ROOT = join(import.meta.dirname, '..');
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const BOARDS = Number(args.boards);
const WINDOW = Number(args.window);
const BOOT_S = Math.floor(Date.now() / 1000) - 3600;
const device = (i: number) => `aicss-b${String(i).padStart(3, '0')}`;

function payload(i: number, seq: number): string {
  const up = 60 + Math.floor(seq / 20);
  return encodeAicssSensor({
    MSG: seq,
    t: BOOT_S + up,
    up,
    V: 127.2,
    F: 60,
    I1: 0.496,
    P1: 60,
    VA1: 63,
    PF1: 0.95,
    E1: 1532 + i,
    I2: 0.786,
    P2: 100,
    VA2: 100,
    PF2: 1,
    E2: 4210,
    T1: 24.5,
    RH1: 58.2,
    ldr: 1450,
    dist: 87,
    led_in: 1,
    led_ext: 1,
    st: 0,
  });
}

async function connectBoards(url: string): Promise<MqttClient[]> {
  return Promise.all(
    Array.from({ length: BOARDS }, (_, i) =>
      mqtt.connectAsync(url, {
        clientId: `bench-${device(i)}`,
        username: device(i),
        password: `pw-${device(i)}`,
        reconnectPeriod: 0,
      }),
    ),
  );
}

/**
 * Every board keeps `WINDOW` QoS 1 publishes in flight; the rate is counted after a 1 s warm-up, with the
 * CPU the broker process (`pid`) spent per message over the same window (steadier than rates on a shared
 * machine).
 */
async function fullSpeed(
  clients: MqttClient[],
  seqs: number[],
  pid: number,
): Promise<{ rate: number; cpuUsPerMsg: number }> {
  let acked = 0;
  let running = true;
  let inflight = 0;
  const perBoard = clients.map(() => 0);
  const pump = (i: number) => {
    const c = clients[i]!;
    while (running && perBoard[i]! < WINDOW) {
      perBoard[i]!++;
      inflight++;
      c.publishAsync(`tele/${device(i)}/SENSOR`, payload(i, seqs[i]!++), { qos: 1 }).then(
        () => {
          acked++;
          inflight--;
          perBoard[i]!--;
          pump(i);
        },
        () => {
          inflight--;
        },
      );
    }
  };
  for (let i = 0; i < clients.length; i++) pump(i);
  await sleep(1000);
  const a0 = acked;
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const n = acked - a0;
  const rate = (n * 1000) / (performance.now() - t0);
  const cpuUsPerMsg = ((cpuSeconds(pid) - c0) * 1e6) / Math.max(1, n);
  running = false;
  while (inflight > 0) await sleep(50);
  return { rate, cpuUsPerMsg };
}

/** 1 000 readings/s: each board publishes every 100 ms, staggered; PUBACK latency of each. */
async function paced(clients: MqttClient[], seqs: number[], seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const timers: NodeJS.Timeout[] = [];
  const pending: Promise<unknown>[] = [];
  clients.forEach((c, i) => {
    const start = setTimeout(() => {
      timers.push(
        setInterval(() => {
          const t0 = performance.now();
          pending.push(
            c
              .publishAsync(`tele/${device(i)}/SENSOR`, payload(i, seqs[i]!++), { qos: 1 })
              .then(() => latencies.push(performance.now() - t0)),
          );
        }, 100),
      );
    }, i);
    timers.push(start);
  });
  await sleep(seconds * 1000);
  for (const t of timers) clearInterval(t);
  await Promise.allSettled(pending);
  return latencies;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`child exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (ok) return;
    await sleep(50);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function procStatus(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** utime + stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** utime and stime of a process (all its threads), seconds. */
function cpuSplit(pid: number): { user: number; system: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
}

/** `--node-flags`, `--node-out FILE`: extra node flags and stdout of the measured brokers (bare, bundled). */
const NODE_FLAGS = args['node-flags']?.split(' ').filter(Boolean) ?? [];
const NODE_STDOUT = args['node-out'] ? openSync(args['node-out'], 'a') : 'ignore';

/** The node flags of deploy/cds-gateway.service's ExecStart, so the bench runs what runs there. */
const GATEWAY_NODE_FLAGS = (() => {
  const unit = readFileSync(join(ROOT, 'deploy/cds-gateway.service'), 'utf8');
  const line = /^ExecStart=(.*)$/m.exec(unit);
  if (!line) throw new Error('deploy/cds-gateway.service has no ExecStart line');
  const words = line[1]!.trim().split(/\s+/).slice(1);
  return words.slice(
    0,
    words.findIndex((w) => !w.startsWith('--')),
  );
})();

/**
 * `cds gateway run` as deployed: the bundle of `npm run build` on plain node (`bundle`), or, for
 * reference, the TypeScript sources through tsx (`npm start`, `npx cds`).
 */
function startGateway(configPath: string, bundle: string | 'tsx', extraFlags: string[] = []): ChildProcess {
  const entry = bundle === 'tsx' ? join(ROOT, 'bin/cds.mjs') : bundle;
  return spawn(
    process.execPath,
    [...GATEWAY_NODE_FLAGS, ...extraFlags, entry, 'gateway', 'run', '-c', configPath],
    { cwd: ROOT, stdio: ['ignore', NODE_STDOUT, 'inherit'] },
  );
}

/** The reference broker: aedes with no persistence use, no auth, no hooks, on plain node (no loader). */
const BARE_BROKER = `
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
const aedes = await Aedes.createBroker();
createServer(aedes.handle).listen(Number(process.argv[1]), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

async function rawSqlite(dir: string, count: number): Promise<number> {
  const readings: Reading[] = [];
  for (let k = 0; k < count; k++) {
    const i = k % BOARDS;
    const d = decodeSensorPayload(payload(i, Math.floor(k / BOARDS)));
    if (!d.ok || d.kind !== 'observation') throw new Error('payload does not decode');
    const r = toReading(d.observation, {
      device: device(i),
      boot: BOOT_S,
      receivedAt: Date.now(),
      source: 'mqtt',
    });
    if (!r.ok) throw new Error(r.reason);
    readings.push(r.reading);
  }
  const { db } = openGatewayDatabase({
    path: join(dir, 'raw.sqlite'),
    log: silentLogger(),
    clock: Date.now,
    synchronous: 'FULL',
  });
  const store = new ReadingStore({ db });
  const tx = db.transaction((batch: Reading[]) => {
    for (const r of batch) store.insert(r);
  });
  const t0 = performance.now();
  for (let k = 0; k < readings.length; k += 1000) tx(readings.slice(k, k + 1000));
  const rate = (readings.length * 1000) / (performance.now() - t0);
  db.close();
  return rate;
}

async function serialBench(
  dir: string,
  bundle: string,
): Promise<{ perSecond: number; cpuPct: number; sysPct: number; lineBytes: number }> {
  const ptys: PtyPair[] = [];
  for (let p = 0; p < 8; p++) ptys.push(await openPtyPair(dir, `bench${p}`));
  const httpPort = await freePort();
  const cfg = join(dir, 'serial.json');
  await writeFile(
    cfg,
    JSON.stringify({
      gatewayId: 'gw-bench-serial',
      dataDir: join(dir, 'serial-state'),
      broker: { enabled: false },
      http: { host: '127.0.0.1', port: httpPort },
      sync: { enabled: false },
      serial: {
        ports: ptys.map((p, i) => ({ path: p.gatewayPath, format: 'aicss', device: `aicss-s${i}` })),
      },
      logging: { level: 'warn' },
    }),
  );
  const prof = args['cpu-prof'];
  const gw = startGateway(cfg, bundle, [
    ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
    ...NODE_FLAGS,
  ]);
  await waitForPort(httpPort, gw);
  const storedSerial = async () => {
    const s = (await (await fetch(`http://127.0.0.1:${httpPort}/status`)).json()) as {
      sources: Array<{ source: string; stored: number }>;
    };
    return s.sources.filter((x) => x.source.startsWith('serial:')).reduce((a, x) => a + x.stored, 0);
  };
  // One board's record: the same values every time, only the sequence and clock move.
  const serialLine = (msg: number, up: number) =>
    encodeAicssLine({
      MSG: msg,
      t: BOOT_S + up,
      up,
      V: 127.2,
      F: 60,
      I1: 0.496,
      P1: 60,
      VA1: 63,
      PF1: 0.95,
      E1: 1532,
      I2: 0.786,
      P2: 100,
      VA2: 100,
      PF2: 1,
      E2: 4210,
      T1: 24.5,
      RH1: 58.2,
      ldr: 1450,
      dist: 87,
      led_in: 1,
      led_ext: 1,
      st: 0,
    });
  const lineBytes = serialLine(100000, 100000).length;
  // 8N1: 10 bits a byte on the wire.
  const bytesPerSecond = 115_200 / 10;
  const seq = ptys.map(() => 0);
  const budget = ptys.map(() => 0);
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    const dt = (now - last) / 1000;
    last = now;
    ptys.forEach((p, i) => {
      budget[i]! += bytesPerSecond * dt;
      let chunk = '';
      while (budget[i]! >= lineBytes) {
        const s = seq[i]!++;
        chunk += serialLine(s, 100000 + s);
        budget[i]! -= lineBytes;
      }
      if (chunk) void p.write(chunk).catch(() => undefined);
    });
  }, 20);
  await sleep(2000);
  const n0 = await storedSerial();
  const c0 = cpuSplit(gw.pid!);
  const t0 = performance.now();
  await sleep(10_000);
  const n1 = await storedSerial();
  const c1 = cpuSplit(gw.pid!);
  const elapsed = (performance.now() - t0) / 1000;
  clearInterval(tick);
  await stopChild(gw);
  for (const p of ptys) await p.close();
  return {
    perSecond: (n1 - n0) / elapsed,
    cpuPct: ((c1.user + c1.system - c0.user - c0.system) / elapsed) * 100,
    sysPct: ((c1.system - c0.system) / elapsed) * 100,
    lineBytes,
  };
}

interface Broker {
  pid: number;
  clients: MqttClient[];
  seqs: number[];
  /** Group-commit counters of a gateway (`/status`); undefined for the bare broker. */
  commits?: () => Promise<{ transactions: number; readings: number }>;
  stop(): Promise<void>;
}

/** The reference broker in its own process, with the bench's boards connected. */
async function startBare(): Promise<Broker> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, '--input-type=module', '-e', BARE_BROKER, String(port)],
    {
      cwd: ROOT,
      stdio: ['ignore', NODE_STDOUT, 'inherit'],
    },
  );
  await waitForPort(port, child);
  const clients = await connectBoards(`mqtt://127.0.0.1:${port}`);
  return {
    pid: child.pid!,
    clients,
    seqs: clients.map(() => 0),
    async stop() {
      for (const c of clients) c.end(true);
      await stopChild(child);
    },
  };
}

/** A gateway process (`bundle`, or the sources through tsx) with the bench's boards connected. */
async function startBenchGateway(
  dir: string,
  name: string,
  bundle: string | 'tsx',
  extraFlags: string[] = [],
): Promise<Broker> {
  const brokerPort = await freePort();
  const httpPort = await freePort();
  const cfg = join(dir, `${name}.json`);
  await writeFile(
    cfg,
    JSON.stringify({
      gatewayId: 'gw-bench',
      dataDir: join(dir, name),
      broker: {
        host: '127.0.0.1',
        port: brokerPort,
        devices: Array.from({ length: BOARDS }, (_, i) => ({
          username: device(i),
          password: `pw-${device(i)}`,
          device: device(i),
        })),
      },
      http: { host: '127.0.0.1', port: httpPort },
      sync: { enabled: false },
      logging: { level: 'warn' },
    }),
  );
  const child = startGateway(cfg, bundle, extraFlags);
  await waitForPort(brokerPort, child);
  const clients = await connectBoards(`mqtt://127.0.0.1:${brokerPort}`);
  return {
    pid: child.pid!,
    clients,
    seqs: clients.map(() => 0),
    async commits() {
      const s = (await (await fetch(`http://127.0.0.1:${httpPort}/status`)).json()) as {
        buffer: { groupCommit: { transactions: number; readings: number } };
      };
      return s.buffer.groupCommit;
    },
    async stop() {
      for (const c of clients) c.end(true);
      await stopChild(child);
    },
  };
}

/** Readings per transaction between two `/status` counts. */
const perTx = (a: { transactions: number; readings: number }, b: typeof a) =>
  (b.readings - a.readings) / Math.max(1, b.transactions - a.transactions);

/** The paced 1 000 readings/s run on a gateway: latencies, its CPU (and the kernel's part), readings/commit. */
async function pacedRun(gw: Broker, seconds: number) {
  const g0 = await gw.commits!();
  const c0 = cpuSplit(gw.pid);
  const t0 = performance.now();
  const latencies = (await paced(gw.clients, gw.seqs, seconds)).sort((a, b) => a - b);
  const c1 = cpuSplit(gw.pid);
  const s = (performance.now() - t0) / 1000;
  return {
    latencies,
    cpuPct: ((c1.user + c1.system - c0.user - c0.system) / s) * 100,
    sysPct: ((c1.system - c0.system) / s) * 100,
    perCommit: perTx(g0, await gw.commits!()),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
const range = (xs: number[], digits = 0) =>
  xs.length > 1 ? ` (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : '';

const PHASES = new Set(args.phases.split(','));

async function main(): Promise<void> {
  const dir = await tempDir('cds-gw-bench-');
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  out(
    `gateway bench: ${BOARDS} boards, window ${WINDOW}/board, ${ROUNDS} rounds of ${SECONDS} s at full speed, bare and gateway taking turns; load average ${load()}`,
  );
  const bundle = await buildCdsBundle('gateway-bench');
  const f0 = (n: number) => n.toFixed(0).padStart(8);

  // 1-2. Bare aedes (the MQTT ceiling of this client here) and the gateway as deployed (bundle, own
  // process), the same client and payloads, in alternating rounds so both see the same machine.
  let gwRate = Number.NaN;
  if (PHASES.has('gateway')) {
    const prof = args['cpu-prof'];
    const bare = PHASES.has('bare') ? await startBare() : undefined;
    const gw = await startBenchGateway(dir.path, 'bundled', bundle.entry, [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
      ...NODE_FLAGS,
    ]);
    const bareRuns: Array<{ rate: number; cpuUsPerMsg: number }> = [];
    const gwRuns: Array<{ rate: number; cpuUsPerMsg: number; perCommit: number }> = [];
    for (let k = 0; k < ROUNDS; k++) {
      if (bare) bareRuns.push(await fullSpeed(bare.clients, bare.seqs, bare.pid));
      const g0 = await gw.commits!();
      const run = await fullSpeed(gw.clients, gw.seqs, gw.pid);
      gwRuns.push({ ...run, perCommit: perTx(g0, await gw.commits!()) });
    }
    await bare?.stop();
    const bareRate = median(bareRuns.map((r) => r.rate));
    gwRate = median(gwRuns.map((r) => r.rate));
    const rates = (runs: Array<{ rate: number }>) => range(runs.map((r) => r.rate));
    const cpu = (runs: Array<{ cpuUsPerMsg: number }>) => median(runs.map((r) => r.cpuUsPerMsg));
    // Each round pairs a bare run with the gateway run right after it, on the same machine state.
    const ratios = gwRuns.map((g, i) => g.rate / (bareRuns[i]?.rate ?? Number.NaN));
    if (bare)
      out(
        `  bare aedes (stores nothing)      ${f0(bareRate)} msg/s${rates(bareRuns)}; broker CPU ${cpu(bareRuns).toFixed(1)} µs/msg`,
      );
    out(
      `  gateway (PUBACK after commit)    ${f0(gwRate)} msg/s${rates(gwRuns)}; gateway CPU ${cpu(gwRuns).toFixed(1)} µs/msg, ${median(gwRuns.map((r) => r.perCommit)).toFixed(0)} readings/commit`,
    );
    if (bare)
      out(
        `  ratio gateway/bare               ${median(ratios).toFixed(2).padStart(8)} (target ≥ 0.6; median of the rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}); CPU per message ${(cpu(gwRuns) / cpu(bareRuns)).toFixed(1)}× the bare broker's`,
      );
    // 3. Latency at 1 000/s on the same gateway process; its peak RSS over everything it did.
    const p = await pacedRun(gw, Number(args['paced-seconds']));
    const lat = p.latencies;
    out(
      `  PUBACK latency at 1 000/s        p50 ${pct(lat, 0.5).toFixed(1)} ms, p99 ${pct(lat, 0.99).toFixed(1)} ms, max ${lat.at(-1)?.toFixed(1)} ms over ${lat.length} readings (target p99 < 50 ms); gateway CPU ${p.cpuPct.toFixed(1)} % of one core (kernel ${p.sysPct.toFixed(1)} %), ${p.perCommit.toFixed(1)} readings/commit`,
    );
    out(
      `  gateway peak RSS (VmHWM)         ${procStatus(gw.pid, 'VmHWM').toFixed(1).padStart(8)} MB (target < 120 MB)`,
    );
    await gw.stop();
  }

  // 4. Raw SQLite.
  if (PHASES.has('raw')) {
    const rawRate = await rawSqlite(dir.path, 200_000);
    out(
      `  raw SQLite inserts (same schema) ${f0(rawRate)} rows/s  gateway/raw ${(gwRate / rawRate).toFixed(2)}`,
    );
  }

  // 5. For reference: the same gateway through tsx (what `npm start` / `npx cds` run).
  if (PHASES.has('tsx')) {
    const t = await startBenchGateway(dir.path, 'tsx', 'tsx');
    const run = await fullSpeed(t.clients, t.seqs, t.pid);
    const p = await pacedRun(t, 5);
    out(
      `  reference: through tsx           ${f0(run.rate)} msg/s   gateway CPU ${run.cpuUsPerMsg.toFixed(1)} µs/msg; p99 at 1 000/s ${pct(p.latencies, 0.99).toFixed(1)} ms; peak RSS ${procStatus(t.pid, 'VmHWM').toFixed(1)} MB`,
    );
    await t.stop();
  }

  // 6. Serial.
  if (PHASES.has('serial')) {
    const serial = await serialBench(dir.path, bundle.entry);
    out(
      `  serial, 8 ptys at 115 200 baud   ${f0(serial.perSecond)} readings/s stored (${serial.lineBytes}-byte lines), gateway CPU ${serial.cpuPct.toFixed(1)} % of one core (kernel ${serial.sysPct.toFixed(1)} %)`,
    );
  }
  out(`load average at the end ${load()}`);
  await bundle.cleanup();
  await dir.cleanup();
}

await main();
