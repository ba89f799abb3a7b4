import { createTask, type ScheduledTask, validate } from 'node-cron';
import type pg from 'pg';
import type { Logger } from '../../../shared/log.ts';
import type { CloudConfig } from '../../config.ts';
import { analyticsConfigOf } from '../analytics-config.ts';
import { AnalyticsRepository } from '../analytics-repository.ts';
import { resolveScope } from '../analytics-scope.ts';
import { isValidTimeZone, TimeZoneClock } from '../cost/local-time.ts';
import { reportPeriod } from './report-period.ts';
import { generateAndStore } from './report-store.ts';
import { ReportsRepository } from './reports-repository.ts';

export interface ReportSchedulerDeps {
  log: Logger;
  config: CloudConfig;
  pool: pg.Pool;
  clock: () => number;
}

/** Any 64-bit key shared by every instance: only the one holding it generates a run. */
const LOCK_KEY = 0x5243_4453_5250_5431n; // 'RCDSRPT1'

/**
 * Generates the monthly report of every site for its previous local month on `reports.cron`, keeps it in
 * the `reports` table and under `reports.dir`. Re-runs and several instances are harmless: a PostgreSQL
 * advisory lock lets one instance work, and an already stored report is left as it is.
 *
 * cloud/server.ts: `const reports = createReportScheduler({ log, config, pool, clock }); reports.start();`
 * and `await reports.stop()` on shutdown.
 */
export function createReportScheduler(deps: ReportSchedulerDeps) {
  const log = deps.log.child({ component: 'report-scheduler' });
  const repo = new AnalyticsRepository(deps.pool);
  const reports = new ReportsRepository(deps.pool);
  const analytics = analyticsConfigOf(deps.config);
  let task: ScheduledTask | undefined;
  let running: Promise<number[]> | undefined;

  async function runOnce(): Promise<number[]> {
    const client = await deps.pool.connect();
    const stored: number[] = [];
    let locked = false;
    try {
      const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [
        LOCK_KEY.toString(),
      ]);
      locked = rows[0]?.ok === true;
      if (!locked) {
        log.info('another instance is generating reports; skipping this run');
        return stored;
      }
      for (const siteId of await repo.siteIds()) {
        try {
          const scope = await resolveScope(repo, { siteId });
          if (!isValidTimeZone(scope.site.timeZone))
            throw new Error(`unknown time zone ${scope.site.timeZone}`);
          const today = new TimeZoneClock(scope.site.timeZone).localDate(deps.clock());
          const period = reportPeriod('monthly', today, {});
          const { meta, created } = await generateAndStore(
            {
              pool: deps.pool,
              repo,
              config: analytics,
              clock: deps.clock,
              reports,
              dir: deps.config.reports.dir,
            },
            scope,
            'monthly',
            period,
            'schedule',
          );
          if (created) stored.push(meta.reportId);
          log.info({ siteId, reportId: meta.reportId, created, period }, 'monthly report');
        } catch (err) {
          log.error({ err, siteId }, 'monthly report failed');
        }
      }
      return stored;
    } finally {
      if (locked)
        await client.query('select pg_advisory_unlock($1)', [LOCK_KEY.toString()]).catch(() => undefined);
      client.release();
    }
  }

  return {
    /** Runs one generation now (what the cron fires); resolves with the ids of newly stored reports. */
    runOnce,
    start(): void {
      if (task) return;
      if (!validate(deps.config.reports.cron))
        throw new Error(`reports.cron is not a valid cron expression: ${deps.config.reports.cron}`);
      task = createTask(
        deps.config.reports.cron,
        async () => {
          running = runOnce();
          try {
            await running;
          } finally {
            running = undefined;
          }
        },
        { name: 'cds-monthly-reports', noOverlap: true },
      );
      task.start();
      log.info({ cron: deps.config.reports.cron, dir: deps.config.reports.dir }, 'report scheduler started');
    },
    /** Stops the schedule and waits for a run in progress. */
    async stop(): Promise<void> {
      const t = task;
      task = undefined;
      if (t) await t.destroy();
      if (running) await running.catch(() => undefined);
    },
  };
}

export type ReportScheduler = ReturnType<typeof createReportScheduler>;
