import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { bearerToken, constantTimeEqual } from '../auth/tokens.ts';
import { migrationStatus } from '../db/migrate.ts';
import { refreshKpis } from './kpi-collector.ts';

const ReadyResponse = z
  .object({
    ready: z.boolean(),
    database: z.boolean().describe('PostgreSQL answered'),
    migrations: z
      .object({
        current: z.boolean(),
        version: z.number().int(),
        pending: z.array(z.string()),
        problems: z.array(z.string()),
      })
      .nullable(),
  })
  .strict();

/** `/healthz` (process up), `/readyz` (database and schema ready) and `/metrics` (Prometheus text). */
export async function registerObservabilityRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const log = deps.log.child({ component: 'readyz' });

  app.get(
    '/healthz',
    {
      config: { access: ['public'] },
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['observability'],
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async () => ({ ok: true as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: ['public'] },
      schema: {
        summary: 'Readiness: the database answers and every migration is applied (503 otherwise)',
        tags: ['observability'],
        response: { 200: ReadyResponse, 503: ReadyResponse },
      },
    },
    async (_request, reply) => {
      let database = false;
      let migrations: z.infer<typeof ReadyResponse>['migrations'] = null;
      try {
        await deps.pool.query('select 1');
        database = true;
        migrations = await migrationStatus({ pool: deps.pool, dir: deps.migrationsDir });
      } catch (err) {
        log.warn({ err }, 'not ready');
      }
      const ready = database && migrations?.current === true;
      return reply.code(ready ? 200 : 503).send({ ready, database, migrations });
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: ['public'] },
      schema: {
        summary: 'Prometheus metrics, KPIs included',
        description: 'Needs `Authorization: Bearer <metricsToken>` when a metrics token is configured.',
        tags: ['observability'],
      },
    },
    async (request, reply) => {
      const token = deps.config.metricsToken;
      if (token) {
        const given = bearerToken(request.headers.authorization);
        if (!given || !constantTimeEqual(given, token)) {
          throw new AppError('unauthenticated', 'metrics need the configured metrics token');
        }
      }
      try {
        await refreshKpis(deps);
      } catch (err) {
        // Process and HTTP metrics stay useful while the database is down; the KPIs keep their last value.
        request.log.warn({ err }, 'KPI refresh failed');
      }
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );
}
