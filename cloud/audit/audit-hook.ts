import type { FastifyRequest } from 'fastify';
import type { CloudApp, CloudDeps } from '../app.ts';
import { AuditRepository } from './audit-repository.ts';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes one audit_log row for every state-changing request (anything but GET/HEAD/OPTIONS), refused ones
 * and failed logins included. It runs in `onSend`, i.e. after the handler and before the answer leaves, so
 * when a client sees the response its audit row is already committed. A failing audit insert is logged and
 * does not turn a done change into an error.
 */
export function registerAuditHook(app: CloudApp, deps: CloudDeps): void {
  const audit = new AuditRepository(deps.pool);
  const log = deps.log.child({ component: 'audit' });
  app.addHook('onSend', async (request, reply, payload) => {
    if (READ_METHODS.has(request.method)) return payload;
    const p = request.principal;
    try {
      await audit.insert({
        actorKind: p ? p.kind : 'anonymous',
        actorId: p ? (p.kind === 'user' ? p.username : p.gatewayId) : null,
        action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        target: request.auditTarget ?? defaultTarget(request),
        status: reply.statusCode,
        sourceIp: request.ip ?? null,
        details: request.auditDetails ?? null,
      });
    } catch (err) {
      log.error({ err, method: request.method, url: request.url }, 'audit row not written');
    }
    return payload;
  });
}

/** Without an explicit target, the route's path parameters say what was acted on (`siteId=sp-01`). */
function defaultTarget(request: FastifyRequest): string | null {
  const params = request.params as Record<string, unknown> | undefined;
  if (!params || typeof params !== 'object') return null;
  const parts = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join(',') : null;
}
