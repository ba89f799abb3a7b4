import type { Logger } from '../../../shared/log.ts';
import type { AlertEvent } from '../../../shared/schemas/sync.ts';
import type { AlertsConfig } from '../../config/core-config.ts';
import type { AlertSink } from './alert-sink.ts';

type WebhookConfig = AlertsConfig['webhook'] & { url: string };

interface Item {
  body: string;
  attempts: number;
}

/**
 * POSTs each alert change as JSON (`{ gatewayId, alert }`) to a URL, in order, one at a time. Failures
 * (network, timeout, non-2xx) are retried with exponential backoff and jitter up to `maxAttempts`; the
 * queue is bounded (`maxQueue`) and drops its oldest item beyond, with a log line, so a dead endpoint
 * cannot grow memory. The alert itself is never lost: it is in SQLite and goes to the cloud via sync.
 */
export class WebhookSink implements AlertSink {
  readonly name = 'webhook';
  readonly #cfg: WebhookConfig;
  readonly #gatewayId: string;
  readonly #log: Logger;
  readonly #random: () => number;
  #queue: Item[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #stopped = false;
  readonly stats = { delivered: 0, failedAttempts: 0, dropped: 0 };

  constructor(deps: { config: WebhookConfig; gatewayId: string; log: Logger; random?: () => number }) {
    this.#cfg = deps.config;
    this.#gatewayId = deps.gatewayId;
    this.#log = deps.log.child({ component: 'alerts-webhook' });
    this.#random = deps.random ?? Math.random;
  }

  deliver(alert: AlertEvent): void {
    if (this.#stopped) return;
    this.#queue.push({ body: JSON.stringify({ gatewayId: this.#gatewayId, alert }), attempts: 0 });
    while (this.#queue.length > this.#cfg.maxQueue) {
      this.#queue.shift();
      this.stats.dropped++;
      this.#log.warn(
        { maxQueue: this.#cfg.maxQueue },
        'webhook queue full: oldest alert notification dropped',
      );
    }
    if (!this.#busy && this.#timer === undefined) void this.#drain();
  }

  pending(): number {
    return this.#queue.length;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      while (!this.#stopped && this.#queue.length > 0) {
        const item = this.#queue[0]!;
        item.attempts++;
        if (await this.#post(item.body)) {
          this.#queue.shift();
          this.stats.delivered++;
          continue;
        }
        this.stats.failedAttempts++;
        if (item.attempts >= this.#cfg.maxAttempts) {
          this.#queue.shift();
          this.stats.dropped++;
          this.#log.warn({ attempts: item.attempts }, 'webhook gave up on an alert notification');
          continue;
        }
        const base = Math.min(this.#cfg.maxBackoffMs, this.#cfg.initialBackoffMs * 2 ** (item.attempts - 1));
        const delay = Math.round(base / 2 + (this.#random() * base) / 2);
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          void this.#drain();
        }, delay);
        return;
      }
    } finally {
      this.#busy = false;
    }
  }

  async #post(body: string): Promise<boolean> {
    try {
      const res = await fetch(this.#cfg.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.#cfg.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      this.#log.warn({ status: res.status }, 'webhook answered with an error');
      return false;
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'webhook request failed');
      return false;
    }
  }
}
