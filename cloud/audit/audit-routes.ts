import { z } from 'zod';
import type { CloudApp, CloudDeps } from '../app.ts';
import { AuditRepository } from './audit-repository.ts';

const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.date(),
    actorKind: z.enum(['user', 'gateway', 'anonymous']),
    actorId: z.string().nullable(),
    action: z.string().describe('HTTP method and route pattern, e.g. `PUT /api/v1/aicss/config`'),
    target: z.string().nullable(),
    status: z.number().int(),
    sourceIp: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .strict();

/** `GET /api/v1/audit`: the audit log, newest first (admin). */
export async function registerAuditRoutes(app: CloudApp, deps: CloudDeps): Promise<void> {
  const audit = new AuditRepository(deps.pool);
  app.get(
    '/api/v1/audit',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Audit log of state-changing calls, newest first',
        description: 'Page backwards with `before` = the smallest `id` of the previous page.',
        tags: ['audit'],
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            before: z.coerce.number().int().positive().optional(),
            actor: z.string().max(128).optional().describe('Username or gateway id'),
            action: z.string().max(256).optional(),
          })
          .strict(),
        response: { 200: z.object({ entries: z.array(AuditEntrySchema) }) },
      },
    },
    async (request) => {
      const q = request.query;
      const entries = await deps.metrics.timeQuery('audit', () =>
        audit.list({ limit: q.limit, beforeId: q.before, actorId: q.actor, action: q.action }),
      );
      return { entries };
    },
  );
}
