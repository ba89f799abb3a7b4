import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { analyticsConfigOf } from './analytics-config.ts';
import { AnalyticsRepository } from './analytics-repository.ts';
import { resolveScope } from './analytics-scope.ts';
import { clockOf } from './consumo-routes.ts';
import { reportPeriod } from './reports/report-period.ts';
import { buildReport, reportCsv } from './reports/report-service.ts';
import { generateAndStore } from './reports/report-store.ts';
import { ReportsRepository } from './reports/reports-repository.ts';
import { ReportOut } from './response-schemas.ts';

const ReportQuery = z.object({
  siteId: z.string().min(1).max(64).optional(),
  deviceId: z.string().min(1).max(64).optional(),
  kind: z.enum(['daily', 'weekly', 'monthly', 'custom']).default('monthly'),
  date: z.string().optional().describe('A day inside the period (default: the last complete period)'),
  from: z.string().optional().describe('custom: first local day'),
  to: z.string().optional().describe('custom: last local day (inclusive)'),
});

const StoredMeta = z.object({
  reportId: z.number().int(),
  scopeKind: z.enum(['site', 'device']),
  scopeId: z.string(),
  kind: z.enum(['daily', 'weekly', 'monthly', 'custom']),
  periodFrom: z.string(),
  periodTo: z.string(),
  timeZone: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  generatedAt: z.date(),
  filePath: z.string().nullable(),
});

function scopeOf(q: { siteId?: string | undefined; deviceId?: string | undefined }) {
  if ((q.siteId === undefined) === (q.deviceId === undefined)) {
    throw new AppError('bad_request', 'give exactly one of siteId, deviceId');
  }
  return q.siteId !== undefined ? { siteId: q.siteId } : { deviceId: q.deviceId as string };
}

/**
 * `GET /api/v1/analytics/relatorios` (a report on demand, JSON or CSV), `POST …/relatorios/arquivo`
 * (generate and keep one), `GET …/relatorios/arquivo` (stored list) and `GET …/relatorios/arquivo/:id`
 * (download a stored one; the scheduler's monthly reports land there too).
 */
export async function registerReportRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const repo = new AnalyticsRepository(deps.pool);
  const reports = new ReportsRepository(deps.pool);
  const config = analyticsConfigOf(deps.config);
  const reportDeps = { pool: deps.pool, repo, config, clock: deps.clock };

  app.get(
    '/api/v1/analytics/relatorios',
    {
      config: { access: ['viewer'] },
      schema: {
        summary:
          'Daily, weekly, monthly or custom report of a site or device (energy, cost, savings, alerts, data quality)',
        tags: ['analytics'],
        querystring: ReportQuery.extend({ format: z.enum(['json', 'csv']).default('json') }),
        response: { 200: ReportOut.describe('JSON report; with format=csv the body is text/csv instead') },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const scope = await resolveScope(repo, scopeOf(q));
      const clock = clockOf(scope);
      const period = reportPeriod(q.kind, clock.localDate(deps.clock()), q);
      const report = await buildReport(reportDeps, scope, q.kind, period);
      if (q.format === 'csv') {
        return (
          reply
            .type('text/csv; charset=utf-8')
            .header(
              'content-disposition',
              `attachment; filename="cds-${q.kind}-${scope.id}-${period.from}.csv"`,
            )
            // A string body is sent as is: the JSON response schema does not apply to the CSV.
            .send(reportCsv(report) as never)
        );
      }
      return report;
    },
  );

  app.post(
    '/api/v1/analytics/relatorios/arquivo',
    {
      config: { access: ['operator'] },
      schema: {
        summary: 'Generate a report now and keep it for download',
        tags: ['analytics'],
        querystring: ReportQuery,
        response: { 201: StoredMeta },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const scope = await resolveScope(repo, scopeOf(q));
      const clock = clockOf(scope);
      const period = reportPeriod(q.kind, clock.localDate(deps.clock()), q);
      request.auditTarget = `${scope.kind}:${scope.id}`;
      const { meta } = await generateAndStore(
        { ...reportDeps, reports, dir: deps.config.reports.dir },
        scope,
        q.kind,
        period,
        'manual',
      );
      request.auditDetails = {
        reportId: meta.reportId,
        kind: meta.kind,
        from: meta.periodFrom,
        to: meta.periodTo,
      };
      return reply.code(201).send(meta);
    },
  );

  app.get(
    '/api/v1/analytics/relatorios/arquivo',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'Stored reports, newest first',
        tags: ['analytics'],
        querystring: z.object({
          siteId: z.string().optional(),
          deviceId: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ reports: z.array(StoredMeta) }) },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        reports: await reports.list({
          ...(q.siteId ? { scopeKind: 'site', scopeId: q.siteId } : {}),
          ...(q.deviceId ? { scopeKind: 'device', scopeId: q.deviceId } : {}),
          limit: q.limit,
        }),
      };
    },
  );

  app.get(
    '/api/v1/analytics/relatorios/arquivo/:id',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'Download a stored report (CSV by default, or JSON)',
        tags: ['analytics'],
        params: z.object({ id: z.coerce.number().int().positive() }),
        querystring: z.object({ format: z.enum(['json', 'csv']).default('csv') }),
      },
    },
    async (request, reply) => {
      const found = await reports.body(request.params.id, request.query.format);
      if (!found) throw new AppError('not_found', `report ${request.params.id} not found`);
      const { meta, body } = found;
      const name = `cds-${meta.kind}-${meta.scopeId}-${meta.periodFrom}_${meta.periodTo}.${request.query.format}`;
      return reply
        .type(request.query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(body);
    },
  );
}
