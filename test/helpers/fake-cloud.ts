import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Reading, readingKey } from '../../shared/schemas/reading.ts';
import {
  type AlertEvent,
  type ApiErrorBody,
  type CloudConfigPush,
  type GatewayStatusReport,
  type LossEntry,
  type RowRejection,
  SYNC_LIMITS,
  SyncBatchRequest,
  type SyncBatchResponse,
} from '../../shared/schemas/sync.ts';

/**
 * A small real HTTP server (node:http, 127.0.0.1, port 0) that implements the gateway → cloud sync
 * contract of shared/schemas/sync.ts: bearer token, gzip bodies, the shared zod schemas, idempotency by
 * key (same key + same content → the stored answer with `replayed: true`; same key + other content → 422),
 * readings deduplicated by (device, boot, seq). It can be told to fail the ways a real cloud and a 4G link
 * do, and records what it received and committed, for gateway sync and e2e tests.
 */

export interface FakeCloudRequest {
  /** `Date.now()` at arrival (fake time when the test fakes Date). */
  at: number;
  idempotencyKey: string | undefined;
  contentEncoding: string | undefined;
  wireBytes: number;
  bodyBytes: number;
  batchId: string | undefined;
  readings: number;
  status: number;
  /** What happened: `committed`, `replayed`, `outage`, `5xx`, `429`, `refused`, `dropped_response`, … */
  outcome: string;
}

export interface FakeCloudOptions {
  token?: string;
  /** Only this gateway id is accepted in batches (403 otherwise); default any. */
  gatewayId?: string;
}

type RowRule = (reading: unknown, index: number) => { code: string; message: string } | undefined;

export interface FakeCloud {
  readonly url: string;
  readonly port: number;
  /** Committed readings by `readingKey`. */
  readonly readings: Map<string, Reading>;
  /** How many times each reading key was offered in a committed (non-replayed) batch. */
  readonly offered: Map<string, number>;
  readonly alerts: Map<string, AlertEvent>;
  readonly losses: Map<string, LossEntry>;
  readonly statuses: GatewayStatusReport[];
  readonly requests: FakeCloudRequest[];
  /** Committed batches by key, with the answer given. */
  readonly batches: Map<string, { sha: string; response: SyncBatchResponse }>;
  /** `refuse`: nothing listens (ECONNREFUSED); `destroy`: connections are reset on arrival; null: up. */
  setOutage(mode: 'refuse' | 'destroy' | null): Promise<void>;
  /** The next `n` requests get `status` (default 503) without being processed. */
  failNext(n: number, status?: number): void;
  /** The next `n` requests get 429 with `Retry-After: retryAfterS`. */
  rateLimitNext(n: number, retryAfterS: number): void;
  /** Batches matching `match` are refused for good with `status` (default 400) and `code`. */
  refuseBatches(match: (req: SyncBatchRequest) => boolean, status?: number, code?: string): void;
  /** The next `n` requests are committed, then the connection is destroyed before the answer. */
  dropResponseNext(n: number): void;
  /** Per-row rejections: `rule` returns a code for rows to reject (on top of zod validation). */
  rejectRows(rule: RowRule | null): void;
  /** Wait this long before answering (real or fake setTimeout, whichever the test runs). */
  setDelay(ms: number): void;
  /** A config to push in answers while the gateway reports an older `configVersion`. */
  pushConfig(push: CloudConfigPush | null): void;
  /** The bearer token accepted from now on (an operator fixed the gateway's registration). */
  setToken(token: string): void;
  close(): Promise<void>;
}

export async function startFakeCloud(opts: FakeCloudOptions = {}): Promise<FakeCloud> {
  let token = opts.token ?? 'test-token';
  const readings = new Map<string, Reading>();
  const offered = new Map<string, number>();
  const alerts = new Map<string, AlertEvent>();
  const losses = new Map<string, LossEntry>();
  const statuses: GatewayStatusReport[] = [];
  const requests: FakeCloudRequest[] = [];
  const batches = new Map<string, { sha: string; response: SyncBatchResponse }>();
  const sockets = new Set<Socket>();
  let outage: 'refuse' | 'destroy' | null = null;
  let failing = { n: 0, status: 503 };
  let limiting = { n: 0, retryAfterS: 1 };
  let dropping = 0;
  let refuse: { match: (req: SyncBatchRequest) => boolean; status: number; code: string } | null = null;
  let rowRule: RowRule | null = null;
  let delayMs = 0;
  let config: CloudConfigPush | null = null;

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'internal', (err as Error).message, true);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const wire = await readBody(req);
    const rec: FakeCloudRequest = {
      at: Date.now(),
      idempotencyKey: header(req, 'idempotency-key'),
      contentEncoding: header(req, 'content-encoding'),
      wireBytes: wire.length,
      bodyBytes: 0,
      batchId: undefined,
      readings: 0,
      status: 0,
      outcome: '',
    };
    requests.push(rec);
    const answer = async (
      status: number,
      outcome: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) => {
      rec.status = status;
      rec.outcome = outcome;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string, outcome = 'error') =>
      answer(status, outcome, errorBody(code, message, status >= 500 || status === 429));

    if (outage === 'destroy') {
      rec.outcome = 'outage';
      req.socket.destroy();
      return;
    }
    if (req.method !== 'POST' || req.url !== '/api/v1/aicss/dados')
      return fail(404, 'not_found', 'no such route');
    if (failing.n > 0) {
      failing.n--;
      return fail(failing.status, 'unavailable', 'injected failure', '5xx');
    }
    if (limiting.n > 0) {
      limiting.n--;
      rec.status = 429;
      return answer(429, '429', errorBody('rate_limited', 'slow down', true), {
        'retry-after': String(limiting.retryAfterS),
      });
    }
    if (header(req, 'authorization') !== `Bearer ${token}`) return fail(401, 'unauthenticated', 'bad token');
    const encoding = header(req, 'content-encoding') ?? 'identity';
    if (encoding === 'gzip' && wire.length > SYNC_LIMITS.maxWireBytes)
      return fail(413, 'payload_too_large', 'wire');
    let text: string;
    try {
      text = (
        encoding === 'gzip' ? gunzipSync(wire, { maxOutputLength: SYNC_LIMITS.maxBodyBytes }) : wire
      ).toString('utf8');
    } catch {
      return fail(400, 'bad_request', 'body is not valid gzip or too large');
    }
    rec.bodyBytes = Buffer.byteLength(text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail(400, 'malformed_json', 'body is not JSON');
    }
    const parsed = SyncBatchRequest.safeParse(json);
    if (!parsed.success) return fail(400, 'validation_failed', parsed.error.issues[0]?.message ?? 'invalid');
    const batch = parsed.data;
    rec.batchId = batch.batchId;
    rec.readings = batch.readings.length;
    if (rec.idempotencyKey !== batch.batchId)
      return fail(400, 'bad_request', 'Idempotency-Key must equal batchId');
    if (opts.gatewayId && batch.gatewayId !== opts.gatewayId) return fail(403, 'forbidden', 'other gateway');
    if (refuse?.match(batch)) return fail(refuse.status, refuse.code, 'refused by test', 'refused');

    const sha = createHash('sha256')
      .update(JSON.stringify([batch.gatewayId, batch.batchId, batch.readings, batch.alerts, batch.losses]))
      .digest('hex');
    const stored = batches.get(batch.batchId);
    if (stored) {
      if (stored.sha !== sha) return fail(422, 'idempotency_key_reused', 'same key, other content');
      return answer(200, 'replayed', { ...stored.response, replayed: true });
    }
    const rejected: RowRejection[] = [];
    let accepted = 0;
    let duplicates = 0;
    batch.readings.forEach((raw, index) => {
      const r = Reading.safeParse(raw);
      if (!r.success) {
        rejected.push({ index, code: 'validation_failed', message: r.error.issues[0]?.message ?? 'invalid' });
        return;
      }
      const custom = rowRule?.(raw, index);
      if (custom) {
        rejected.push({ index, ...custom });
        return;
      }
      const key = readingKey(r.data);
      offered.set(key, (offered.get(key) ?? 0) + 1);
      if (readings.has(key)) duplicates++;
      else {
        readings.set(key, r.data);
        accepted++;
      }
    });
    for (const a of batch.alerts ?? []) alerts.set(a.id, a);
    for (const l of batch.losses ?? []) losses.set(l.id, l);
    if (batch.status) statuses.push(batch.status);
    const applied = batch.status?.configVersion ?? 0;
    const response: SyncBatchResponse = {
      batchId: batch.batchId,
      committed: true,
      accepted,
      duplicates,
      rejected,
      alertsAccepted: batch.alerts?.length ?? 0,
      lossesAccepted: batch.losses?.length ?? 0,
      replayed: false,
      config: config && config.version > applied ? config : null,
    };
    batches.set(batch.batchId, { sha, response });
    if (dropping > 0) {
      dropping--;
      rec.status = 200;
      rec.outcome = 'dropped_response';
      req.socket.destroy();
      return;
    }
    return answer(200, 'committed', response);
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    readings,
    offered,
    alerts,
    losses,
    statuses,
    requests,
    batches,
    async setOutage(mode) {
      if (mode === 'refuse' && server.listening) {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      }
      if (mode !== 'refuse' && !server.listening) await listen(server, port);
      outage = mode;
    },
    failNext(n, status = 503) {
      failing = { n, status };
    },
    rateLimitNext(n, retryAfterS) {
      limiting = { n, retryAfterS };
    },
    refuseBatches(match, status = 400, code = 'validation_failed') {
      refuse = { match, status, code };
    },
    dropResponseNext(n) {
      dropping = n;
    },
    rejectRows(rule) {
      rowRule = rule;
    },
    setToken(t) {
      token = t;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    pushConfig(push) {
      config = push;
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function errorBody(code: string, message: string, retryable: boolean): ApiErrorBody {
  return { error: { code, message, retryable } };
}

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  retryable: boolean,
): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(errorBody(code, message, retryable)));
}
