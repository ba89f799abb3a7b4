import { createHash } from 'node:crypto';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { analyticsConfigOf } from './analytics-config.ts';
import { AnalyticsRepository } from './analytics-repository.ts';
import { ScopeQuery } from './analytics-schemas.ts';
import { resolveScope } from './analytics-scope.ts';
import { clockOf } from './consumo-routes.ts';
import { ForecastImportsRepository } from './forecast/forecast-imports-repository.ts';
import { compareImport, forecastScope } from './forecast/forecast-service.ts';
import { parsePredictionCsv } from './forecast/import-csv.ts';
import { ComparisonOut, ForecastOut, ImportMetaOut } from './response-schemas.ts';

const MAX_IMPORT_BYTES = 8 * 1024 * 1024;

const ImportScope = z.object({
  siteId: z.string().min(1).max(64).optional(),
  deviceId: z.string().min(1).max(64).optional(),
});

/**
 * `GET /api/v1/analytics/previsao` (built-in forecast), `POST …/previsao/import` (predictions made in R),
 * `GET …/previsao/importacoes` (list) and `GET …/previsao/comparacao` (imported vs built-in vs actuals).
 */
export async function registerForecastRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const repo = new AnalyticsRepository(deps.pool);
  const imports = new ForecastImportsRepository(deps.pool);
  const config = analyticsConfigOf(deps.config);
  const serviceDeps = { pool: deps.pool, repo, config, clock: deps.clock };

  app.get(
    '/api/v1/analytics/previsao',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'Forecast of the next N days of kWh and of the month-end bill, with a prediction interval',
        description:
          'Double-seasonal Holt–Winters (24 h and 168 h cycles) fitted on the hourly rollups; intervals from a bootstrap ' +
          'of the one-step residuals; the backtest (last 7 days held out) is reported as daily MAPE. See docs/billing.md ' +
          'and docs/r-analysis.md.',
        tags: ['analytics'],
        querystring: ScopeQuery.extend({
          days: z.coerce
            .number()
            .int()
            .min(1)
            .max(60)
            .default(7)
            .describe('Days ahead (today counts as day 0)'),
          level: z.coerce.number().min(0.5).max(0.99).default(0.9).describe('Prediction-interval coverage'),
          hourly: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true')
            .describe('Also return the hourly forecast'),
        }),
        response: { 200: ForecastOut },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = await resolveScope(repo, q);
      clockOf(scope);
      return forecastScope(serviceDeps, scope, { days: q.days, level: q.level, includeHourly: q.hourly });
    },
  );

  // Plain-text CSV bodies for the import; scoped to this plugin's routes.
  await app.register(async (plugin) => {
    const child = plugin.withTypeProvider<ZodTypeProvider>();
    child.addContentTypeParser(
      ['text/csv', 'text/plain'],
      { parseAs: 'string', bodyLimit: MAX_IMPORT_BYTES },
      (_req, body, done) => done(null, body),
    );
    child.post(
      '/api/v1/analytics/previsao/import',
      {
        config: { access: ['operator'] },
        bodyLimit: MAX_IMPORT_BYTES,
        schema: {
          summary: 'Import predictions made in R (CSV: timestamp,kwh[,lower,upper])',
          description:
            'Body: text/csv, UTF-8. All or nothing: a file with any bad row is refused with the line number, column and ' +
            'reason of every problem (first 100). See docs/r-analysis.md.',
          tags: ['analytics'],
          querystring: ImportScope.extend({
            step: z.enum(['hour', 'day']).default('hour').describe('Length of the interval each row starts'),
            model: z
              .string()
              .min(1)
              .max(100)
              .default('R')
              .describe('Name of the model that produced the file'),
            fileName: z.string().max(200).optional(),
          }),
          body: z.string().min(1).describe('The CSV file'),
          response: { 201: ImportMetaOut },
        },
      },
      async (request, reply) => {
        const q = request.query;
        if ((q.siteId === undefined) === (q.deviceId === undefined)) {
          throw new AppError('bad_request', 'give exactly one of siteId, deviceId');
        }
        const scope = await resolveScope(repo, q.siteId ? { siteId: q.siteId } : { deviceId: q.deviceId! });
        const clock = clockOf(scope);
        const kind = scope.kind === 'site' ? 'site' : 'device';
        request.auditTarget = `${kind}:${scope.id}`;
        const parsed = parsePredictionCsv(request.body, {
          step: q.step,
          clock,
          scope: { kind, id: scope.id },
        });
        if (!parsed.ok) {
          request.auditDetails = { rejected: true, problems: parsed.problemCount ?? parsed.problems.length };
          throw new AppError(
            'validation_failed',
            `prediction file refused: ${parsed.problemCount ?? parsed.problems.length} problem(s); nothing was stored`,
            { details: { rowsRead: parsed.rowsRead, problems: parsed.problems } },
          );
        }
        const principal = request.principal;
        const created = await imports.create(
          {
            scopeKind: kind,
            scopeId: scope.id,
            model: q.model,
            step: q.step,
            fileName: q.fileName ?? null,
            fileSha256: createHash('sha256').update(request.body).digest('hex'),
            createdBy: principal?.kind === 'user' ? principal.username : null,
          },
          parsed.points,
        );
        request.auditDetails = { importId: created.importId, rows: created.rows, model: created.model };
        return reply.code(201).send(created);
      },
    );
  });

  app.get(
    '/api/v1/analytics/previsao/importacoes',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'Imported forecasts of a site or device',
        tags: ['analytics'],
        querystring: ImportScope,
      },
    },
    async (request) => {
      const q = request.query;
      if ((q.siteId === undefined) === (q.deviceId === undefined)) {
        throw new AppError('bad_request', 'give exactly one of siteId, deviceId');
      }
      return {
        imports: await imports.list(
          q.siteId ? { kind: 'site', id: q.siteId } : { kind: 'device', id: q.deviceId! },
        ),
      };
    },
  );

  app.get(
    '/api/v1/analytics/previsao/comparacao',
    {
      config: { access: ['viewer'] },
      schema: {
        summary: 'MAPE of an imported forecast and of the built-in one against the actuals',
        tags: ['analytics'],
        querystring: z.object({ importId: z.coerce.number().int().positive() }),
        response: { 200: ComparisonOut },
      },
    },
    async (request) => {
      const imp = await imports.get(request.query.importId);
      if (!imp) throw new AppError('not_found', `forecast import ${request.query.importId} not found`);
      const scope = await resolveScope(
        repo,
        imp.scopeKind === 'site' ? { siteId: imp.scopeId } : { deviceId: imp.scopeId },
      );
      clockOf(scope);
      return compareImport(serviceDeps, scope, imp, await imports.points(imp.importId));
    },
  );
}
