import type { Logger } from '../../../shared/log.ts';
import type { AlertEvent } from '../../../shared/schemas/sync.ts';
import type { AlertSink } from './alert-sink.ts';

/** Alert changes in the gateway log: warn when raised, info when cleared. */
export class LogSink implements AlertSink {
  readonly name = 'log';
  readonly #log: Logger;

  constructor(deps: { log: Logger }) {
    this.#log = deps.log.child({ component: 'alerts' });
  }

  deliver(e: AlertEvent): void {
    const fields = { alertId: e.id, rule: e.rule, device: e.device, severity: e.severity, value: e.value };
    if (e.state === 'raised') this.#log.warn(fields, `alert raised: ${e.message}`);
    else this.#log.info(fields, `alert cleared: ${e.message}`);
  }
}
