import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ErrorCode } from '../../shared/errors.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { decodeLegacyHttpJson } from '../../shared/protocol/legacy.ts';
import { DeviceId } from '../../shared/schemas/reading.ts';
import type { ApiErrorBody } from '../../shared/schemas/sync.ts';
import type { GatewayConfig } from '../config/config-schema.ts';
import type { IngestPipeline } from '../ingest/ingest-pipeline.ts';
import type { GatewayStatusResponse } from './status-schema.ts';

/**
 * The gateway's local HTTP port (node:http; small, no framework, it shares a 1 GB board):
 * - `POST /dados` — the original AICSS firmware's JSON `{"luz","distancia","consumo_interno","consumo_externo"}`
 *   (the firmware posts to port 5000). The body is size-limited, validated (zod, in the shared decoder),
 *   and answered 201 only after the reading is committed to SQLite. `?device=<id>` names the board; else
 *   `http.dados.device`.
 * - `GET /healthz` — 200 when the gateway is running and its database answers, else 503.
 * - `GET /metrics` — Prometheus text.
 * - `GET /status` — JSON for `cds gateway status`.
 */

export interface GatewayHttpDeps {
  log: Logger;
  config: GatewayConfig['http'];
  pipeline: Pick<IngestPipeline, 'ingest' | 'reject'>;
  registry: Registry;
  status: () => GatewayStatusResponse;
  health: () => { ok: boolean; checks: Record<string, string> };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, code: ErrorCode, message: string, details?: unknown): void {
  const e = new AppError(code, message, details === undefined ? {} : { details });
  const body: ApiErrorBody = { error: e.toJSON() };
  sendJson(res, e.status ?? 500, body, code === 'payload_too_large' ? { connection: 'close' } : {});
}

/** Reads the body up to `limit` bytes; undefined when it is larger (the 413 is already sent). */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limit) {
      sendError(res, 'payload_too_large', `body over ${limit} bytes`);
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        sendError(res, 'payload_too_large', `body over ${limit} bytes`);
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

export class GatewayHttpServer {
  readonly #deps: GatewayHttpDeps;
  readonly #log: Logger;
  #server: Server | undefined;

  constructor(deps: GatewayHttpDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'http' });
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo | null | undefined)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
      this.#route(req, res).catch((err: unknown) => {
        this.#log.error({ err, url: req.url }, 'request failed');
        if (!res.headersSent) sendError(res, 'internal', 'internal error');
        else res.destroy();
      });
    });
    this.#server = server;
    const { host, port } = this.#deps.config;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#log.info({ host, port: this.port }, 'HTTP listening');
  }

  /** Stops accepting `POST /dados` and new connections; requests in flight finish. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'POST /dados':
        if (this.#deps.config.dados.enabled) return this.#postDados(req, res, url);
        break;
      case 'GET /healthz': {
        const h = this.#deps.health();
        return sendJson(res, h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'unhealthy', checks: h.checks });
      }
      case 'GET /metrics': {
        const text = await this.#deps.registry.metrics();
        res.writeHead(200, { 'content-type': this.#deps.registry.contentType });
        res.end(text);
        return;
      }
      case 'GET /status':
        return sendJson(res, 200, this.#deps.status());
    }
    req.resume();
    sendError(res, 'not_found', `no route ${route}`);
  }

  async #postDados(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { config, pipeline } = this.#deps;
    const deviceParam = url.searchParams.get('device');
    let device = config.dados.device;
    if (deviceParam !== null) {
      const d = DeviceId.safeParse(deviceParam);
      if (!d.success) {
        req.resume();
        return sendError(res, 'validation_failed', 'device: 1-64 chars of [A-Za-z0-9_.-]');
      }
      device = d.data;
    }
    const body = await readBody(req, res, config.dados.maxBodyBytes);
    if (body === undefined) {
      pipeline.reject('http', device, 'too_long', `body over ${config.dados.maxBodyBytes} bytes`, '');
      return;
    }
    const out = await pipeline.ingest({
      source: 'http',
      sourceId: 'http',
      device,
      result: decodeLegacyHttpJson(body),
    });
    switch (out.status) {
      case 'stored':
      case 'duplicate':
        return sendJson(res, out.status === 'stored' ? 201 : 200, {
          status: out.status,
          device: out.reading.device,
          boot: out.reading.boot,
          seq: out.reading.seq,
          ts: out.reading.ts,
        });
      case 'refused':
        return sendError(res, 'storage_full', 'the gateway buffer is full; retry later');
      case 'rejected':
        return sendError(res, out.code === 'bad_json' ? 'malformed_json' : 'validation_failed', out.reason, {
          code: out.code,
        });
      case 'diagnostic':
        return sendError(res, 'validation_failed', 'not a reading');
    }
  }
}
