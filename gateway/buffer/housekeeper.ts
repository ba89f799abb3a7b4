import type { Logger } from '../../shared/log.ts';
import type { AlertsRepository } from '../alerts/alerts-repository.ts';
import type { BufferConfig } from '../config/core-config.ts';
import type { DeadLetterRepository } from './dead-letter-repository.ts';
import type { LossLedger } from './losses-repository.ts';
import type { ReadingStore } from './readings-repository.ts';
import type { StoragePolicy } from './storage-policy.ts';

const DAY_MS = 86_400_000;
/** Rows deleted per transaction: keeps each write short so ingest is never held for long. */
const CHUNK = 5_000;
/** Cleared alerts and synced ledger entries are kept this long locally (the cloud has them). */
const HISTORY_DAYS = 90;

export interface HousekeepingResult {
  retention: number;
  deadLetterExpired: number;
  alertsExpired: number;
  lossesExpired: number;
}

/**
 * Background upkeep on a timer: retention of synced readings, expiry of dead letters, of old cleared
 * alerts and of synced ledger entries, a fresh bytes-per-reading estimate, and the size cap applied even
 * when nothing is being written (e.g. after the cap was lowered).
 */
export interface HousekeeperDeps {
  store: ReadingStore;
  losses: LossLedger;
  deadLetters: DeadLetterRepository;
  alerts: AlertsRepository;
  policy: StoragePolicy;
  config: Pick<BufferConfig, 'retentionDays' | 'deadLetterRetentionDays' | 'housekeepingIntervalS'>;
  log: Logger;
  clock: () => number;
}

export class Housekeeper {
  readonly #d: HousekeeperDeps;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: HousekeeperDeps) {
    this.#d = deps;
    this.#log = deps.log.child({ component: 'housekeeper' });
  }

  start(): void {
    this.#timer = setInterval(() => {
      try {
        this.runOnce();
      } catch (err) {
        this.#log.error({ err }, 'housekeeping failed');
      }
    }, this.#d.config.housekeepingIntervalS * 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  runOnce(): HousekeepingResult {
    const { store, losses, deadLetters, alerts, policy, config, clock } = this.#d;
    const db = store.db;
    const now = clock();
    const out: HousekeepingResult = {
      retention: 0,
      deadLetterExpired: 0,
      alertsExpired: 0,
      lossesExpired: 0,
    };
    const cutoff = now - config.retentionDays * DAY_MS;
    for (;;) {
      const n = db.transaction(() => store.deleteSyncedBefore(cutoff, CHUNK))();
      out.retention += n;
      if (n < CHUNK) break;
    }
    db.transaction(() => {
      // No ledger entry here: a refused batch was recorded (`sync_refused`) when it was dead-lettered, and
      // rows rejected one by one are counted by the cloud that rejected them.
      out.deadLetterExpired = deadLetters.expire(now - config.deadLetterRetentionDays * DAY_MS, CHUNK).length;
      out.alertsExpired = alerts.expire(now - HISTORY_DAYS * DAY_MS);
      out.lossesExpired = losses.expire(now - HISTORY_DAYS * DAY_MS);
    })();
    policy.measure();
    db.transaction(() => policy.makeRoom(0))();
    if (out.retention + out.deadLetterExpired > 0) this.#log.info(out, 'housekeeping');
    return out;
  }
}
