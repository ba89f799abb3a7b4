import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { ApiErrorBody, SyncBatchResponse } from '../../shared/schemas/sync.ts';
import { parseRetryAfterMs } from './backoff.ts';

const gzip = promisify(gzipCb);

export const SYNC_PATH = '/api/v1/aicss/dados';

export type SendOutcome =
  | { kind: 'ok'; response: SyncBatchResponse; wireBytes: number }
  /** Network error, timeout, 5xx, 429, 408, or an unreadable 200: send the same batch again later. */
  | { kind: 'retry'; status: number | null; error: string; retryAfterMs?: number; wireBytes: number }
  /** 401/403: the token or gateway id is wrong; the data is fine, so it is kept and retried slowly. */
  | { kind: 'auth'; status: number; error: string; wireBytes: number }
  /** Any other 4xx: this batch will never be accepted. */
  | { kind: 'refused'; status: number; code: string; message: string; wireBytes: number };

const RETRY_STATUSES = new Set([408, 425, 429]);

/** One HTTP exchange of the sync contract (shared/schemas/sync.ts): gzip JSON, bearer token, idempotency key. */
export class SyncClient {
  readonly #url: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #clock: () => number;

  constructor(deps: { cloudUrl: string; token: string; timeoutMs: number; clock: () => number }) {
    this.#url = new URL(SYNC_PATH, deps.cloudUrl).toString();
    this.#token = deps.token;
    this.#timeoutMs = deps.timeoutMs;
    this.#clock = deps.clock;
  }

  async send(batchKey: string, json: string): Promise<SendOutcome> {
    const body = await gzip(Buffer.from(json, 'utf8'));
    const wireBytes = body.length;
    let res: Response;
    try {
      res = await fetch(this.#url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.#token}`,
          'idempotency-key': batchKey,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { kind: 'retry', status: null, error: `${e.name}: ${e.cause?.code ?? e.message}`, wireBytes };
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      return {
        kind: 'retry',
        status: res.status,
        error: `response body: ${(err as Error).message}`,
        wireBytes,
      };
    }
    if (res.status === 200) {
      const parsed = SyncBatchResponse.safeParse(safeJson(text));
      if (!parsed.success || parsed.data.batchId !== batchKey) {
        return {
          kind: 'retry',
          status: 200,
          error: 'unreadable 200 response (not a committed SyncBatchResponse)',
          wireBytes,
        };
      }
      return { kind: 'ok', response: parsed.data, wireBytes };
    }
    const apiError = ApiErrorBody.safeParse(safeJson(text));
    const code = apiError.success ? apiError.data.error.code : `http_${res.status}`;
    const message = apiError.success ? apiError.data.error.message : text.slice(0, 300);
    if (res.status >= 500 || RETRY_STATUSES.has(res.status)) {
      const retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), this.#clock());
      return {
        kind: 'retry',
        status: res.status,
        error: `${res.status} ${code}: ${message}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        wireBytes,
      };
    }
    if (res.status === 401 || res.status === 403) {
      return { kind: 'auth', status: res.status, error: `${res.status} ${code}: ${message}`, wireBytes };
    }
    if (res.status >= 400 && res.status < 500)
      return { kind: 'refused', status: res.status, code, message, wireBytes };
    return { kind: 'retry', status: res.status, error: `unexpected status ${res.status}`, wireBytes };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
