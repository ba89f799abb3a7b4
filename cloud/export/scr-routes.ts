import { Readable } from 'node:stream';
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { DEVICE_ID_PATTERN } from '../../shared/schemas/reading.ts';
import { AnalyticsRepository } from '../analytics/analytics-repository.ts';
import { parseRange } from '../analytics/analytics-scope.ts';
import { isValidTimeZone, TimeZoneClock } from '../analytics/cost/local-time.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { HOURLY_COLUMNS, headerLine, hourlyLine, RAW_COLUMNS, rawLine } from './scr-csv.ts';
import { hourlyRollups, rawReadings } from './scr-repository.ts';

const MAX_DAYS = 400;

const ScrQuery = z.object({
  siteId: z.string().min(1).max(64).optional().describe('All devices of this site'),
  deviceId: z
    .union([z.string().regex(DEVICE_ID_PATTERN), z.array(z.string().regex(DEVICE_ID_PATTERN)).max(500)])
    .optional()
    .describe('One device, or repeat the parameter for several'),
  from: z
    .string()
    .min(10)
    .describe('First local day YYYY-MM-DD (site time zone, else UTC) or an ISO 8601 instant'),
  to: z.string().min(10).describe('Last local day (inclusive) or an ISO 8601 instant (exclusive)'),
  level: z
    .enum(['raw', 'hour'])
    .default('raw')
    .describe(
      '`raw`: every reading (protocol.md §4.3 columns); `hour`: the hourly rollups, one row per device-hour',
    ),
});

/**
 * `GET /api/v1/export/scr`: streams a flat CSV for R (SCR). Raw readings are read with a server-side cursor
 * (the only analytics path that touches `readings`); `level=hour` streams the rollups on a regular hourly
 * grid with NA rows for hours without data.
 */
export async function registerScrExportRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const repo = new AnalyticsRepository(deps.pool);

  app.get(
    '/api/v1/export/scr',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'CSV export for R (read.csv-ready: UTF-8, header, ISO timestamps, NA for missing)',
        tags: ['export'],
        querystring: ScrQuery,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const q = request.query;
      const requested = q.deviceId === undefined ? [] : Array.isArray(q.deviceId) ? q.deviceId : [q.deviceId];
      let deviceIds: string[];
      let timeZone = 'UTC';
      if (q.siteId !== undefined) {
        const site = await repo.site(q.siteId);
        if (!site) throw new AppError('not_found', `site ${q.siteId} not found`);
        timeZone = site.timeZone;
        const all = (await repo.devicesOfSite(q.siteId)).map((d) => d.deviceId);
        deviceIds = requested.length ? all.filter((d) => requested.includes(d)) : all;
      } else if (requested.length) {
        const first = await repo.device(requested[0]!);
        if (!first) throw new AppError('not_found', `device ${requested[0]} not found`);
        timeZone = (await repo.site(first.siteId))?.timeZone ?? 'UTC';
        deviceIds = requested;
      } else throw new AppError('bad_request', 'give siteId or deviceId');
      if (!isValidTimeZone(timeZone)) timeZone = 'UTC';
      const range = parseRange(q.from, q.to, new TimeZoneClock(timeZone));
      if (range.toMs - range.fromMs > MAX_DAYS * 86_400_000) {
        throw new AppError('bad_request', `at most ${MAX_DAYS} days per export`);
      }
      const filter = { fromMs: range.fromMs, toMs: range.toMs, deviceIds };
      const log = deps.log.child({ component: 'scr-export' });
      const body =
        q.level === 'raw'
          ? lines(headerLine(RAW_COLUMNS), rawReadings(deps.pool, filter), rawLine)
          : lines(headerLine(HOURLY_COLUMNS), hourlyRollups(deps.pool, filter), hourlyLine);
      const stream = Readable.from(body, { objectMode: false });
      stream.on('error', (err) => log.error({ err }, 'SCR export failed mid-stream'));
      const name = `cds-scr-${q.level}-${new Date(range.fromMs).toISOString().slice(0, 10)}.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
}

/** Header, then each cursor batch joined into one chunk (one write per batch, not per row). */
async function* lines<T>(
  header: string,
  batches: AsyncGenerator<T[]>,
  line: (row: T) => string,
): AsyncGenerator<string> {
  yield header;
  for await (const rows of batches) {
    let chunk = '';
    for (const r of rows) chunk += line(r);
    yield chunk;
  }
}
