import type { AlertEngine } from '../alerts/alert-engine.ts';
import type { SyncBatchRow } from './batches-repository.ts';
import type { SendOutcome } from './sync-client.ts';

/**
 * The alerts sync raises, so that data the cloud will not take, and credentials it refuses, are not only
 * log lines: `sync_dead_letter` (an event per refused batch or batch with rejected rows) and `sync_auth`
 * (a condition, active until a batch is accepted again). Nothing without an alert engine.
 */
export class SyncAlerts {
  readonly #deps: { alertEngine?: Pick<AlertEngine, 'raiseEvent' | 'reportCondition'> };

  constructor(deps: { alertEngine?: Pick<AlertEngine, 'raiseEvent' | 'reportCondition'> }) {
    this.#deps = deps;
  }

  rowsRejected(batch: SyncBatchRow, rejected: number, codes: string): void {
    this.#deps.alertEngine?.raiseEvent({
      rule: 'sync_dead_letter',
      device: null,
      subject: 'dead_letter',
      severity: 'warning',
      value: rejected,
      message: `cloud rejected ${rejected} reading(s) of batch ${batch.batchKey} (${codes}); kept in the dead-letter table`,
    });
  }

  batchRefused(batch: SyncBatchRow, outcome: Extract<SendOutcome, { kind: 'refused' }>): void {
    this.#deps.alertEngine?.raiseEvent({
      rule: 'sync_dead_letter',
      device: null,
      subject: 'dead_letter',
      severity: 'critical',
      value: batch.readingCount,
      message: `cloud refused batch ${batch.batchKey} (${outcome.status} ${outcome.code}: ${outcome.message}); ${batch.readingCount} reading(s) kept in the dead-letter table`,
    });
  }

  credentials(active: boolean, message: string, status?: number): void {
    this.#deps.alertEngine?.reportCondition({
      rule: 'sync_auth',
      device: null,
      subject: 'credentials',
      severity: 'critical',
      active,
      message,
      value: status ?? null,
    });
  }
}
