import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../shared/errors.ts';
import { SyncBatchRequest, SyncBatchResponse } from '../../shared/schemas/sync.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import { ReadingPartitions } from '../db/partitions.ts';
import { readLimitedBody } from './body-reader.ts';
import { type IngestMetrics, IngestService } from './ingest-service.ts';
import { SyncBatchRetention } from './sync-batch-retention.ts';

export interface IngestRouteDeps extends Pick<CloudDeps, 'log' | 'pool' | 'clock'> {
  metrics: IngestMetrics;
  config: { ingest: { maxBodyBytes: number; maxWireBytes: number; syncBatchRetentionDays: number } };
}

export const INGEST_PATH = '/api/v1/aicss/dados';

/**
 * `POST /api/v1/aicss/dados`: the gateway sync endpoint (contract: shared/schemas/sync.ts).
 *
 * The body is read by our own content-type parser inside an encapsulated scope, so Fastify's default parser
 * never buffers an unbounded body: gzip or plain JSON, wire and inflated sizes both capped (413), then
 * JSON.parse (400 malformed_json). The route also owns the readings partition maintainer (started on
 * ready, stopped on close) because ingest is what needs the partitions.
 */
export async function registerIngestRoutes(app: CloudApp, deps: IngestRouteDeps): Promise<void> {
  const partitions = new ReadingPartitions({ pool: deps.pool, log: deps.log, clock: deps.clock });
  const service = new IngestService({ ...deps, partitions });
  const limits = deps.config.ingest;
  const retention = new SyncBatchRetention({
    pool: deps.pool,
    log: deps.log,
    clock: deps.clock,
    retentionDays: limits.syncBatchRetentionDays,
  });
  app.addHook('onReady', async () => {
    await partitions.start();
    retention.start();
  });
  app.addHook('onClose', async () => {
    await retention.stop();
    await partitions.stop();
  });

  await app.register(async (scope: CloudApp) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', async (request: FastifyRequest, payload: IncomingMessage) => {
      const type = String(request.headers['content-type'] ?? '');
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        payload.resume();
        throw new AppError('unsupported_encoding', 'Content-Type must be application/json');
      }
      const raw = await readLimitedBody(payload, request.headers, limits);
      try {
        return JSON.parse(raw.toString('utf8')) as unknown;
      } catch (err) {
        throw new AppError('malformed_json', `the body is not valid JSON: ${(err as Error).message}`);
      }
    });

    scope.post(
      INGEST_PATH,
      {
        config: { access: ['gateway'] },
        // Our parser enforces the real limits; this only keeps Fastify from refusing first with its default.
        bodyLimit: Math.max(limits.maxBodyBytes, limits.maxWireBytes),
        // The body is validated once, by IngestService with the same zod schema (it needs the per-row
        // rejections and the error details anyway); `schema.body` below documents it (OpenAPI).
        validatorCompiler: () => (data: unknown) => ({ value: data }),
        schema: {
          summary: 'Gateway sync: store a batch of readings, alerts and losses exactly once',
          description:
            'Headers: `Idempotency-Key` = body batchId; `Content-Encoding: gzip` optional. Answers after COMMIT. ' +
            'Each reading is validated on its own: invalid or foreign rows are listed in `rejected`; a batch whose ' +
            'every reading is rejected gets 422 and stores nothing. The same key again returns the stored answer.',
          tags: ['aicss'],
          body: SyncBatchRequest,
          response: { 200: SyncBatchResponse },
        },
      },
      async (request) => {
        const principal = request.principal;
        if (principal?.kind !== 'gateway') throw new AppError('forbidden', 'only a gateway token may sync');
        const key = request.headers['idempotency-key'];
        request.auditTarget = `gateway:${principal.gatewayId}`;
        const body: unknown = request.body;
        // The service keeps what it needs; the raw parse tree must not live on with the request.
        (request as { body: unknown }).body = undefined;
        const res = await service.ingest({
          gatewayId: principal.gatewayId,
          body,
          idempotencyKey: typeof key === 'string' ? key : undefined,
        });
        request.auditDetails = {
          batchId: res.batchId,
          accepted: res.accepted,
          duplicates: res.duplicates,
          rejected: res.rejected.length,
          replayed: res.replayed,
        };
        return res;
      },
    );
  });
}
