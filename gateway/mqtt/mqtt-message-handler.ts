import type { Logger } from '../../shared/log.ts';
import { decodeMqttMessage } from '../../shared/protocol/mqtt-topics.ts';
import type { DeviceTracker } from '../ingest/device-tracker.ts';
import type { IngestOutcome, IngestPipeline } from '../ingest/ingest-pipeline.ts';
import type { IngestStats } from '../ingest/ingest-stats.ts';

/**
 * One MQTT message of the Tasmota-style tree → the ingest pipeline (SENSOR) or device bookkeeping
 * (LWT online/offline, STATE restart reason and uptime — a restart starts a new boot —, INFO1 firmware). Shared by the embedded broker and the
 * external-broker client. The promise settles after the reading's commit, and the callers send the
 * PUBACK only then.
 *
 * `refused` means the buffer's full-disk policy refused the reading: the caller must NOT acknowledge it,
 * so the board (or the external broker) keeps it and sends it again later.
 * A message that cannot be decoded is counted and acknowledged: sending it again would not fix it.
 */
export type MqttHandleResult = 'stored' | 'duplicate' | 'refused' | 'rejected' | 'other';

const OTHER: Promise<MqttHandleResult> = Promise.resolve('other');
const REJECTED: Promise<MqttHandleResult> = Promise.resolve('rejected');
const handleResult = (out: IngestOutcome): MqttHandleResult =>
  out.status === 'diagnostic' ? 'other' : out.status;

export interface MqttMessageHandlerDeps {
  log: Logger;
  pipeline: Pick<IngestPipeline, 'ingest' | 'reject'>;
  stats: IngestStats;
  tracker: Pick<DeviceTracker, 'noteStateUptime'>;
  /** Counter key: `mqtt` (embedded broker) or `mqtt-external`. */
  sourceId: string;
}

export class MqttMessageHandler {
  readonly #deps: MqttMessageHandlerDeps;
  readonly #log: Logger;

  constructor(deps: MqttMessageHandlerDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'mqtt-ingest', source: deps.sourceId });
  }

  /** Not async: a SENSOR message waits on its commit only (see IngestPipeline.ingest). Never throws. */
  handle(topic: string, payload: Buffer, receivedAt?: number): Promise<MqttHandleResult> {
    try {
      return this.#handle(topic, payload, receivedAt);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #handle(topic: string, payload: Buffer, receivedAt: number | undefined): Promise<MqttHandleResult> {
    const { pipeline, stats, sourceId } = this.#deps;
    const m = decodeMqttMessage(topic, payload);
    switch (m.kind) {
      case 'sensor':
        return pipeline
          .ingest({ source: 'mqtt', sourceId, device: m.device, result: m.result, receivedAt })
          .then(handleResult);
      case 'lwt': {
        const d = stats.device(m.device);
        if (d.online !== m.online)
          this.#log.info({ device: m.device }, m.online ? 'device online' : 'device offline');
        d.online = m.online;
        return OTHER;
      }
      case 'state': {
        if (m.state.restartReason !== undefined) stats.device(m.device).resetReason = m.state.restartReason;
        if (m.state.uptimeS !== undefined) this.#deps.tracker.noteStateUptime(m.device, m.state.uptimeS);
        this.#log.trace({ device: m.device, state: m.state }, 'STATE');
        return OTHER;
      }
      case 'info1': {
        const d = stats.device(m.device);
        d.firmware = `${m.info.module} ${m.info.version}`;
        this.#log.info({ device: m.device, module: m.info.module, version: m.info.version }, 'device info');
        return OTHER;
      }
      case 'result':
        this.#log.debug({ device: m.device, result: m.result }, 'command result');
        return OTHER;
      case 'command':
      case 'ignored':
        return OTHER;
      case 'rejected':
        stats.received(sourceId);
        pipeline.reject(sourceId, m.device, m.code, m.reason, m.text);
        return REJECTED;
    }
  }
}
