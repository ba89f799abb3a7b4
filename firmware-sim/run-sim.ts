import type { Writable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AppError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { handleBoardCommand } from './board-commands.ts';
import { type TimeMode, wallDelayMs } from './clock.ts';
import type { ByteSink } from './outputs/byte-sink.ts';
import { MqttEncoder } from './outputs/mqtt-encoder.ts';
import { MqttOutput, type MqttOutputOptions, type MqttOutputStats } from './outputs/mqtt-output.ts';
import { openSink } from './outputs/open-sink.ts';
import { SerialEncoder } from './outputs/serial-encoder.ts';
import type { SimEvent } from './sim-events.ts';
import { createSimulation, type Simulation, type SimulationConfig } from './simulation.ts';

/**
 * Runs a simulation against its outputs in one of two time modes:
 * - backfill (`from` and `to`/`durationMs`, no `speed`): as fast as the outputs accept, bytes batched in
 *   64 KiB chunks, MQTT bounded by the in-flight window;
 * - real time (`speed` 1) or accelerated (`speed` N): each event waits for its instant on the real clock.
 */

export interface SimRunOptions extends Omit<SimulationConfig, 'startMs'> {
  /** Simulated start (UTC ms); default now. */
  from?: number;
  /** Simulated end (UTC ms, exclusive). */
  to?: number;
  /** Simulated duration, when `to` is not given. */
  durationMs?: number;
  /** Real-time factor. Undefined with `from` + an end = backfill; otherwise default 1. */
  speed?: number;
  /** Byte outputs: `-` (stdout), a serial device/pty, or a file. Board i writes to out[i % n]. */
  out?: string[];
  baudRate?: number;
  append?: boolean;
  legacyEncoding?: 'utf8' | 'latin1';
  romBootText?: boolean;
  mqtt?: MqttOutputOptions & { statePeriodS?: number };
  /** Extra sinks (programmatic use; e.g. a MemorySink). They take boards like `out` entries. */
  sinks?: ByteSink[];
  /** Called with every event before it is encoded (programmatic taps: tests, e2e). */
  onEvent?: (ev: SimEvent) => void;
}

export interface SimRunDeps {
  log: Logger;
  /** Real clock, ms. */
  now?: () => number;
  stdout?: Writable;
}

export interface SimRunStats {
  mode: 'backfill' | 'realtime';
  speed: number;
  devices: string[];
  fromMs: number;
  /** Simulated time reached. */
  untilMs: number;
  records: number;
  boots: number;
  powerLosses: number;
  /** Records a board produced that never reached a wire (silence, replay overflow, power loss). */
  lostRecords: number;
  bytes: number;
  wallMs: number;
  recordsPerS: number;
  mqtt?: MqttOutputStats;
}

const CHUNK_BYTES = 64 * 1024;
/** Backfill yields to the event loop this often so stop() and signals get through. */
const YIELD_EVERY_STEPS = 2048;

interface Channel {
  sink: ByteSink;
  parts: string[];
  size: number;
}

export class SimRunner {
  readonly simulation: Simulation;
  readonly done: Promise<SimRunStats>;
  readonly #deps: SimRunDeps;
  readonly #opts: SimRunOptions;
  readonly #mode: TimeMode;
  readonly #fromMs: number;
  readonly #endMs: number;
  #resolveDone!: (s: SimRunStats) => void;
  #rejectDone!: (e: unknown) => void;
  #stopping = false;
  #wake: (() => void) | undefined;
  #started = false;

  constructor(opts: SimRunOptions, deps: SimRunDeps) {
    this.#deps = deps;
    this.#opts = opts;
    const now = (deps.now ?? Date.now)();
    const hasEnd = opts.to !== undefined || opts.durationMs !== undefined;
    const backfill = opts.speed === undefined && opts.from !== undefined && hasEnd;
    this.#fromMs = opts.from ?? now;
    this.#endMs =
      opts.to ?? (opts.durationMs !== undefined ? this.#fromMs + opts.durationMs : Number.POSITIVE_INFINITY);
    if (this.#endMs <= this.#fromMs)
      throw new AppError('config_invalid', 'the simulated end must be after the start');
    const speed = opts.speed ?? 1;
    if (!(speed > 0)) throw new AppError('config_invalid', `speed must be > 0, got ${speed}`);
    this.#mode = backfill
      ? { kind: 'backfill' }
      : { kind: 'realtime', speed, wallStartMs: now, simStartMs: this.#fromMs };
    this.simulation = createSimulation({ ...opts, startMs: this.#fromMs });
    this.done = new Promise<SimRunStats>((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
  }

  get devices(): readonly string[] {
    return this.simulation.devices;
  }

  /** Opens the outputs (fails fast if the broker or a port is unreachable), then runs in the background. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const channels: Channel[] = [];
    let mqtt: MqttOutput | undefined;
    try {
      for (const target of this.#opts.out ?? []) {
        channels.push({ sink: await this.#openTarget(target), parts: [], size: 0 });
      }
      for (const sink of this.#opts.sinks ?? []) channels.push({ sink, parts: [], size: 0 });
      if (this.#opts.mqtt) mqtt = this.#mqttOutput(this.#opts.mqtt);
    } catch (err) {
      await Promise.all(channels.map((c) => c.sink.close().catch(() => undefined)));
      throw err;
    }
    this.#loop(channels, mqtt).then(this.#resolveDone, this.#rejectDone);
  }

  /** Ends the run at the next event boundary; resolves with the final stats. */
  async stop(): Promise<SimRunStats> {
    this.#stopping = true;
    this.#wake?.();
    return this.done;
  }

  #openTarget(target: string): Promise<ByteSink> {
    const o: { baudRate?: number; append?: boolean; stdout?: Writable } = {};
    if (this.#opts.baudRate !== undefined) o.baudRate = this.#opts.baudRate;
    if (this.#opts.append !== undefined) o.append = this.#opts.append;
    if (this.#deps.stdout !== undefined) o.stdout = this.#deps.stdout;
    return openSink(target, o);
  }

  #mqttOutput(o: NonNullable<SimRunOptions['mqtt']>): MqttOutput {
    const sim = this.simulation;
    const encoder = new MqttEncoder(o.statePeriodS === undefined ? {} : { statePeriodS: o.statePeriodS });
    return new MqttOutput(
      {
        log: this.#deps.log,
        encoder,
        command: (device, command, argument) => {
          const board = sim.board(device);
          return board ? handleBoardCommand(board, command, argument) : undefined;
        },
        telePeriodS: (device) => sim.board(device)?.telePeriodS ?? this.#opts.telePeriodS,
      },
      o,
    );
  }

  async #sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  async #loop(channels: Channel[], mqtt: MqttOutput | undefined): Promise<SimRunStats> {
    const log = this.#deps.log.child({ component: 'sim' });
    const clock = this.#deps.now ?? Date.now;
    const wallStart = clock();
    const sim = this.simulation;
    const serial = new SerialEncoder({
      legacy: this.#opts.legacy ?? false,
      legacyEncoding: this.#opts.legacyEncoding ?? 'utf8',
      romBootText: this.#opts.romBootText ?? false,
    });
    const onEvent = this.#opts.onEvent;
    let bytes = 0;
    let powerLosses = 0;
    let steps = 0;
    const flush = async (c: Channel) => {
      if (c.size === 0) return;
      const chunk = Buffer.from(c.parts.join(''), 'latin1');
      c.parts = [];
      c.size = 0;
      bytes += chunk.length;
      await c.sink.write(chunk);
    };
    const flushAll = async () => {
      for (const c of channels) await flush(c);
    };
    log.info(
      {
        mode: this.#mode.kind,
        boards: sim.devices.length,
        from: new Date(this.#fromMs).toISOString(),
        to: Number.isFinite(this.#endMs) ? new Date(this.#endMs).toISOString() : null,
      },
      'simulation started',
    );
    try {
      while (!this.#stopping && sim.nextAtMs() < this.#endMs) {
        const at = sim.nextAtMs();
        if (this.#mode.kind === 'realtime') {
          const delay = wallDelayMs(this.#mode, at, clock());
          if (delay > 0) {
            await flushAll();
            await this.#sleep(delay);
            if (this.#stopping) break;
          }
        } else if (++steps % YIELD_EVERY_STEPS === 0) await yieldToLoop();
        for (const ev of sim.stepOnce()) {
          onEvent?.(ev);
          if (ev.type === 'power-loss') powerLosses++;
          if (channels.length) {
            const s = serial.encode(ev);
            if (s.length) {
              const c = channels[ev.board % channels.length]!;
              c.parts.push(s);
              c.size += s.length;
              if (c.size >= CHUNK_BYTES) await flush(c);
            }
          }
          if (mqtt) {
            const wait = mqtt.handle(ev);
            if (wait) await wait;
          }
        }
      }
      await flushAll();
    } finally {
      await mqtt?.stop().catch((err: Error) => log.warn({ err: err.message }, 'mqtt stop failed'));
      for (const c of channels) await c.sink.close().catch(() => undefined);
    }
    const wallMs = clock() - wallStart;
    const records = sim.boards.reduce((n, b) => n + b.stats.records, 0);
    const stats: SimRunStats = {
      mode: this.#mode.kind,
      speed: this.#mode.kind === 'realtime' ? this.#mode.speed : Number.POSITIVE_INFINITY,
      devices: [...sim.devices],
      fromMs: this.#fromMs,
      untilMs: Math.min(this.#endMs, sim.nextAtMs()),
      records,
      boots: sim.boards.reduce((n, b) => n + b.stats.boots, 0),
      powerLosses,
      lostRecords: sim.boards.reduce((n, b) => n + b.lostRecords, 0),
      bytes,
      wallMs,
      recordsPerS: wallMs > 0 ? (records / wallMs) * 1000 : 0,
      ...(mqtt && { mqtt: { ...mqtt.stats } }),
    };
    log.info(
      { records, bytes, wallMs: Math.round(wallMs), recordsPerS: Math.round(stats.recordsPerS) },
      'simulation finished',
    );
    return stats;
  }
}

/** Runs to the end (or until `signal` aborts) and returns the stats. */
export async function runSimulation(
  opts: SimRunOptions,
  deps: SimRunDeps & { signal?: AbortSignal },
): Promise<SimRunStats> {
  const runner = new SimRunner(opts, deps);
  await runner.start();
  const onAbort = () => void runner.stop();
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await runner.done;
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
  }
}
