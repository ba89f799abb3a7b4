import { EventEmitter } from 'node:events';
import type { Logger } from '../shared/log.ts';
import type { RejectCode } from '../shared/protocol/decode-result.ts';
import type { Reading } from '../shared/schemas/reading.ts';
import type { AlertEvent } from '../shared/schemas/sync.ts';

/** Every event the gateway's parts exchange, with its payload. */
export interface GatewayEvents {
  /** A reading committed to SQLite (emitted after commit, never before). */
  reading: Reading;
  /** Input refused before storage: a corrupt line, a malformed payload, an out-of-range reading. */
  rejected: { source: string; device?: string; code: RejectCode | string; reason: string; text?: string };
  /** A board started a new boot (banner, sequence drop with small uptime, reset reason). */
  boot: { device: string; boot: number; resetReason?: number; at: number };
  /** Alert lifecycle change (raised or cleared). */
  alert: AlertEvent;
  /** A sync batch finished (committed by the cloud or failed). */
  sync: { ok: boolean; batchId: string; readings: number; error?: string; at: number };
}

type Listener<K extends keyof GatewayEvents> = (payload: GatewayEvents[K]) => void;

/**
 * A small typed event bus. Listeners are wrapped: one that throws is logged and cannot take the
 * process (or the other listeners) down with it.
 */
export class GatewayBus {
  readonly #ee = new EventEmitter({ captureRejections: false });
  readonly #log: Logger;

  constructor(deps: { log: Logger }) {
    this.#log = deps.log.child({ component: 'bus' });
    this.#ee.setMaxListeners(100);
  }

  on<K extends keyof GatewayEvents>(event: K, listener: Listener<K>): () => void {
    const wrapped = (payload: GatewayEvents[K]) => {
      try {
        const r = listener(payload) as unknown;
        if (r instanceof Promise)
          r.catch((err: unknown) => this.#log.error({ err, event }, 'async bus listener failed'));
      } catch (err) {
        this.#log.error({ err, event }, 'bus listener threw');
      }
    };
    this.#ee.on(event, wrapped);
    return () => this.#ee.off(event, wrapped);
  }

  emit<K extends keyof GatewayEvents>(event: K, payload: GatewayEvents[K]): void {
    this.#ee.emit(event, payload);
  }
}
