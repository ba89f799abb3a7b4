import { createTask, validate } from 'node-cron';
import type pg from 'pg';
import { isAppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import type { CloudConfig } from '../config.ts';
import { AneelSync, type SyncResult } from './aneel-sync.ts';

/** The part of a node-cron task the scheduler uses; tests pass their own `schedule`. */
export interface CronTask {
  start(): void | Promise<void>;
  destroy(): void | Promise<void>;
}

export interface AneelSchedulerDeps {
  log: Logger;
  config: Pick<CloudConfig, 'aneel'>;
  pool: pg.Pool;
  clock: () => number;
  schedule?: (expression: string, fn: () => Promise<void>) => CronTask;
}

/**
 * The daily ANEEL refresh on `aneel.cron` when `aneel.enabled`. Each tick runs a full sync from the portal
 * (unchanged resources are skipped by their last_modified and size); a sync already running anywhere (an
 * admin's POST, another instance) makes the tick a no-op.
 *
 * cloud/server.ts: `const aneel = createAneelScheduler({ log, config, pool, clock }); aneel.start();`
 * and `await aneel.stop()` on shutdown (before closing the pool).
 */
export function createAneelScheduler(deps: AneelSchedulerDeps) {
  const log = deps.log.child({ component: 'aneel-scheduler' });
  const sync = new AneelSync({
    pool: deps.pool,
    log: deps.log,
    clock: deps.clock,
    baseUrl: deps.config.aneel.baseUrl,
  });
  const schedule =
    deps.schedule ??
    ((expression: string, fn: () => Promise<void>) =>
      createTask(expression, fn, { name: 'cds-aneel-sync', noOverlap: true }));
  let task: CronTask | undefined;

  /** One scheduled sync now; undefined when another sync holds the lock. */
  async function runOnce(): Promise<SyncResult | undefined> {
    try {
      const result = await sync.run({ trigger: 'cron' });
      log.info({ syncId: result.syncId, status: result.status }, 'scheduled ANEEL sync finished');
      return result;
    } catch (err) {
      if (isAppError(err) && err.code === 'conflict') {
        log.info('an ANEEL sync is already running; skipping this tick');
        return undefined;
      }
      log.error({ err }, 'scheduled ANEEL sync failed');
      return undefined;
    }
  }

  return {
    runOnce,
    start(): void {
      if (task || !deps.config.aneel.enabled) {
        if (!deps.config.aneel.enabled) log.info('ANEEL refresh disabled (aneel.enabled = false)');
        return;
      }
      if (!validate(deps.config.aneel.cron)) {
        throw new Error(`aneel.cron is not a valid cron expression: ${deps.config.aneel.cron}`);
      }
      task = schedule(deps.config.aneel.cron, async () => {
        await runOnce();
      });
      void task.start();
      log.info(
        { cron: deps.config.aneel.cron, baseUrl: deps.config.aneel.baseUrl },
        'ANEEL scheduler started',
      );
    },
    /** Stops the schedule and waits for a sync in progress. */
    async stop(): Promise<void> {
      const t = task;
      task = undefined;
      if (t) await t.destroy();
      await sync.stop();
    },
  };
}

export type AneelScheduler = ReturnType<typeof createAneelScheduler>;
