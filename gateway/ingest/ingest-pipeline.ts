import type { Logger } from '../../shared/log.ts';
import type { DecodeResult, RejectCode } from '../../shared/protocol/decode-result.ts';
import { toReading } from '../../shared/protocol/normalize.ts';
import type { Observation } from '../../shared/protocol/observation.ts';
import { DEVICE_ID_PATTERN, type Reading, type ReadingSource } from '../../shared/schemas/reading.ts';
import type { GatewayBus } from '../bus.ts';
import type { DeviceTracker } from './device-tracker.ts';
import type { IngestStats, Outcome } from './ingest-stats.ts';

/**
 * The one path every source feeds: decoded message → device id → boot and sequence (DeviceTracker) →
 * normalised `Reading` (`toReading`, zod-validated) → `submit()` to the group committer. The returned
 * promise settles only when the committer does, i.e. after the reading's transaction committed: the MQTT
 * source holds the PUBACK on it.
 */

/** What the gateway buffer answers for one reading (gw-core's GroupCommitter). */
export type SubmitResult = Outcome;
export interface ReadingSubmitter {
  submit(reading: Reading): Promise<SubmitResult>;
}

export interface IngestInput {
  /** Kind of source, recorded on the reading. */
  source: ReadingSource;
  /** Which source instance (`serial:/dev/ttyUSB0`, `mqtt`, `mqtt-external`, `http`): counters key on it. */
  sourceId: string;
  /** The device id the source resolved (port config, MQTT topic, HTTP config); else the message's own. */
  device?: string;
  result: DecodeResult;
  receivedAt?: number;
}

export type IngestOutcome =
  | { status: Outcome; reading: Reading }
  | { status: 'rejected'; code: RejectCode; reason: string }
  | { status: 'diagnostic'; text: string };

export interface IngestPipelineDeps {
  log: Logger;
  bus: GatewayBus;
  tracker: DeviceTracker;
  stats: IngestStats;
  submitter: ReadingSubmitter;
  clock: () => number;
  /** IANA zone of the site, for board times without a zone (Tasmota). */
  timeZone: string;
}

export class IngestPipeline {
  readonly #deps: IngestPipelineDeps;
  readonly #log: Logger;

  constructor(deps: IngestPipelineDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'ingest' });
  }

  /**
   * Never throws for bad input (that is a rejection); rejects only if the store itself fails. Not an
   * async function: the only wait is the commit, and one `then` on it is all a reading carries while it
   * waits (a thousand readings are in flight at full speed, and what they hold is what the GC copies).
   */
  ingest(input: IngestInput): Promise<IngestOutcome> {
    try {
      return this.#ingest(input);
    } catch (err) {
      // What an async function would have done: a bug below must reach the caller as a rejection.
      return Promise.reject(err);
    }
  }

  #ingest(input: IngestInput): Promise<IngestOutcome> {
    const { stats } = this.#deps;
    stats.received(input.sourceId);
    const r = input.result;
    if (!r.ok) return Promise.resolve(this.reject(input.sourceId, input.device, r.code, r.reason, r.text));
    if (r.kind === 'diagnostic') {
      const device = input.device ?? r.banner?.device;
      if (r.banner && device !== undefined) {
        this.#deps.tracker.noteBanner(device);
        const d = stats.device(device);
        d.firmware = r.banner.firmware;
        this.#log.debug({ source: input.sourceId, device, firmware: r.banner.firmware }, 'boot banner');
      } else this.#log.trace({ source: input.sourceId, text: r.text }, 'diagnostic line');
      return Promise.resolve({ status: 'diagnostic', text: r.text });
    }
    return this.#ingestObservation(input, r.observation);
  }

  #ingestObservation(input: IngestInput, obs: Observation): Promise<IngestOutcome> {
    const { tracker, stats, bus, clock } = this.#deps;
    const device = input.device ?? obs.device;
    if (device === undefined || !DEVICE_ID_PATTERN.test(device))
      return Promise.resolve(
        this.reject(
          input.sourceId,
          undefined,
          'unknown_device',
          device === undefined ? 'no device id from the message or the source' : `bad device id "${device}"`,
          '',
        ),
      );
    const receivedAt = input.receivedAt ?? clock();
    const timeZone = this.#deps.timeZone;
    const t = tracker.track({ device, observation: obs, receivedAt, timeZone });
    const n = toReading(obs, {
      device,
      boot: t.boot,
      seq: t.seq,
      receivedAt,
      source: input.source,
      timeZone,
    });
    if (!n.ok) return Promise.resolve(this.reject(input.sourceId, device, n.code, n.reason, ''));
    const reading = n.reading;
    if (n.dropped.length > 0 && this.#log.isLevelEnabled('trace'))
      this.#log.trace({ device, dropped: n.dropped }, 'fields left out of the reading');
    // A first-ever reading is not a boot we saw happen, unless the board says it just reset.
    if (t.newBoot && (t.reason !== 'first' || obs.resetReason !== undefined)) {
      const d = stats.device(device);
      d.lastBootAt = receivedAt;
      bus.emit('boot', {
        device,
        boot: t.boot,
        ...(obs.resetReason !== undefined && { resetReason: obs.resetReason }),
        at: receivedAt,
      });
    }
    const sourceId = input.sourceId;
    return this.#deps.submitter.submit(reading).then((outcome) => {
      stats.outcome(sourceId, device, outcome, receivedAt);
      if (outcome === 'refused') this.#log.warn({ device, seq: reading.seq }, 'reading refused: buffer full');
      return { status: outcome, reading };
    });
  }

  /** Counts a rejection (per source and device), tells the bus, logs the offending text at debug. */
  reject(
    sourceId: string,
    device: string | undefined,
    code: RejectCode,
    reason: string,
    text: string,
  ): IngestOutcome {
    this.#deps.stats.rejected(sourceId, device, code);
    this.#deps.bus.emit('rejected', {
      source: sourceId,
      ...(device !== undefined && { device }),
      code,
      reason,
      ...(text !== '' && { text }),
    });
    this.#log.debug({ source: sourceId, device, code, text }, reason);
    return { status: 'rejected', code, reason };
  }
}
