import type { CloudApp, CloudDeps } from '../app.ts';

/** Records every answered request in `cds_http_request_duration_seconds` under its route pattern. */
export function registerHttpMetricsHook(app: CloudApp, deps: CloudDeps): void {
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpDuration.observe(
      {
        // The pattern, never the raw URL: ids in paths would explode the label set.
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
