import type { SerialPort } from 'serialport';
import type { Logger } from '../../shared/log.ts';
import type { FramedItem } from '../../shared/protocol/line-framer.ts';
import { LineFramer } from '../../shared/protocol/line-framer.ts';
import { decodeSerialItem, SERIAL_MAX_LINE_BYTES } from '../../shared/protocol/serial-formats.ts';
import type { SerialPortConfig } from '../config/config-schema.ts';
import type { IngestPipeline } from '../ingest/ingest-pipeline.ts';

/**
 * One serial port: open → LineFramer → decodeSerialItem(format) → ingest pipeline. A port that cannot be
 * opened, or that closes or fails while open (USB unplugged, adapter reset, re-enumerated), is reopened by
 * its configured path after a delay that doubles from `reopenMinMs` to `reopenMaxMs`; a successful open
 * resets the delay. With a `/dev/serial/by-id/…` path the same adapter comes back under the same name
 * whatever ttyUSB number the kernel gives it. A port missing at start is not fatal: it is retried the same way.
 *
 * Serial has no acknowledgement, so lines are not awaited one by one: each is handed to the pipeline in
 * order (boot and sequence tracking stay ordered) and the group committer batches them; `stop()` waits for
 * the ones still in flight.
 */

/** The part of a serialport stream this source uses (real `SerialPort` or `SerialPortMock`). */
export type PortStream = Pick<
  SerialPort,
  'open' | 'close' | 'isOpen' | 'on' | 'once' | 'removeAllListeners' | 'pipe' | 'unpipe' | 'destroy'
>;
export type OpenPort = (opts: { path: string; baudRate: number; autoOpen: false }) => PortStream;

export interface SerialSourceDeps {
  log: Logger;
  port: SerialPortConfig;
  reopenMinMs: number;
  reopenMaxMs: number;
  pipeline: Pick<IngestPipeline, 'ingest'>;
  openPort: OpenPort;
}

export interface SerialSourceStatus {
  path: string;
  format: string;
  open: boolean;
  opens: number;
  failures: number;
  lastError: string | null;
  /** Delay of the next reopen attempt, ms (null while open or stopped). */
  nextReopenMs: number | null;
  lines: number;
  overflows: number;
  /** Device id from the latest boot banner on this port. */
  bannerDevice: string | null;
  /** Readings from this port that were stored (or were already stored). */
  readings: number;
  lastReadingAt: number | null;
}

export class SerialSource {
  readonly #deps: SerialSourceDeps;
  readonly #log: Logger;
  readonly #sourceId: string;
  #port: PortStream | undefined;
  #framer: LineFramer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delay: number;
  #running = false;
  #inflight = new Set<Promise<unknown>>();
  #status: SerialSourceStatus;

  constructor(deps: SerialSourceDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'serial', port: deps.port.path });
    this.#sourceId = `serial:${deps.port.path}`;
    this.#delay = deps.reopenMinMs;
    this.#status = {
      path: deps.port.path,
      format: deps.port.format,
      open: false,
      opens: 0,
      failures: 0,
      lastError: null,
      nextReopenMs: null,
      lines: 0,
      overflows: 0,
      bannerDevice: null,
      readings: 0,
      lastReadingAt: null,
    };
  }

  get sourceId(): string {
    return this.#sourceId;
  }

  status(): SerialSourceStatus {
    const f = this.#framer?.stats;
    return { ...this.#status, ...(f && { lines: this.#status.lines + f.lines }) };
  }

  /** Resolves after the first open attempt (whether it succeeded or a retry was scheduled). */
  async start(): Promise<void> {
    this.#running = true;
    await this.#open();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#status.nextReopenMs = null;
    await this.#closePort();
    await Promise.allSettled([...this.#inflight]);
  }

  #open(): Promise<void> {
    const { port: cfg } = this.#deps;
    const port = this.#deps.openPort({ path: cfg.path, baudRate: cfg.baudRate, autoOpen: false });
    return new Promise((resolve) => {
      port.open((err) => {
        if (err) {
          this.#fail(`open failed: ${err.message}`);
          resolve();
          return;
        }
        if (!this.#running) {
          port.close(() => resolve());
          return;
        }
        this.#attach(port);
        resolve();
      });
    });
  }

  #attach(port: PortStream): void {
    const cfg = this.#deps.port;
    const framer = new LineFramer({ maxLineBytes: cfg.maxLineBytes ?? SERIAL_MAX_LINE_BYTES[cfg.format] });
    this.#port = port;
    this.#framer = framer;
    this.#status.open = true;
    this.#status.opens++;
    this.#status.nextReopenMs = null;
    this.#delay = this.#deps.reopenMinMs;
    this.#log.info(
      { baudRate: this.#deps.port.baudRate, format: this.#deps.port.format },
      'serial port open',
    );
    framer.on('data', (item: FramedItem) => this.#onItem(item));
    port.on('error', (err: Error) => this.#onLost(port, `port error: ${err.message}`));
    port.on('close', (err?: Error | null) => this.#onLost(port, err ? `closed: ${err.message}` : 'closed'));
    port.pipe(framer);
  }

  #onItem(item: FramedItem): void {
    const cfg = this.#deps.port;
    if (item.kind === 'overflow') this.#status.overflows++;
    const result = decodeSerialItem(cfg.format, item);
    if (result.ok && result.kind === 'diagnostic' && result.banner)
      this.#status.bannerDevice = result.banner.device;
    const device = cfg.device ?? this.#status.bannerDevice ?? undefined;
    const p = this.#deps.pipeline
      .ingest({ source: 'serial', sourceId: this.#sourceId, ...(device !== undefined && { device }), result })
      .then((out) => {
        if (out.status === 'stored' || out.status === 'duplicate') {
          this.#status.readings++;
          this.#status.lastReadingAt = out.reading.receivedAt;
        }
      })
      .catch((err: unknown) => this.#log.error({ err }, 'storing a serial reading failed'));
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  /** The port went away (unplugged, I/O error, closed under us): drop it and schedule a reopen. */
  #onLost(port: PortStream, why: string): void {
    if (port !== this.#port) return;
    this.#detach();
    port.removeAllListeners();
    // A late error from the dead port must not become an unhandled 'error' event.
    port.on('error', () => undefined);
    if (port.isOpen) port.close(() => undefined);
    if (this.#running) this.#fail(why);
  }

  /** `flush`: a partial line left by an unplug is passed on (and rejected as unterminated); at stop it is dropped. */
  #detach(flush = true): void {
    const framer = this.#framer;
    if (this.#port && framer) {
      this.#port.unpipe(framer);
      if (flush) framer.end();
      else {
        framer.removeAllListeners('data');
        framer.destroy();
      }
      this.#status.lines += framer.stats.lines;
    }
    this.#port = undefined;
    this.#framer = undefined;
    this.#status.open = false;
  }

  #fail(why: string): void {
    this.#status.failures++;
    this.#status.lastError = why;
    if (!this.#running) return;
    const delay = this.#delay;
    this.#delay = Math.min(this.#deps.reopenMaxMs, this.#delay * 2);
    this.#status.nextReopenMs = delay;
    this.#log.warn({ retryInMs: delay }, why);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#running) void this.#open();
    }, delay);
  }

  async #closePort(): Promise<void> {
    const port = this.#port;
    if (!port) return;
    this.#detach(false);
    port.removeAllListeners();
    port.on('error', () => undefined);
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
