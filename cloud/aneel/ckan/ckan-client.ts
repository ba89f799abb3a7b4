import { Readable } from 'node:stream';
import type { z } from 'zod';
import { AppError, isAppError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import { CkanEnvelope, CkanPackage, DatastorePage } from './ckan-schemas.ts';
import { DEFAULT_RETRY, type RetryDeps, type RetryPolicy, realRetryDeps, withRetry } from './retry.ts';

export interface CkanClientOptions {
  /** Portal root, e.g. `https://dadosabertos.aneel.gov.br` (config `aneel.baseUrl`). */
  baseUrl: string;
  log: Logger;
  /** Whole-request limit for API calls, and time to response headers for downloads (default 30 s). */
  timeoutMs?: number;
  /** A download fails when no byte arrives for this long (default 60 s); the whole file may take minutes. */
  idleTimeoutMs?: number;
  retry?: RetryPolicy;
  retryDeps?: RetryDeps;
}

export interface DatastoreQuery {
  resourceId: string;
  /** Rows per call (CKAN default 100; ANEEL's cap is unknown, so keep it modest). */
  limit?: number;
  /** Exact-match filters, sent as UTF-8 JSON. */
  filters?: Record<string, string>;
  sort?: string;
}

export interface Download {
  body: Readable;
  /** Content-Length when the server sent one. */
  size?: number;
}

/**
 * ANEEL's CKAN Action API v3 over global fetch. Every call is retried with exponential backoff and jitter on
 * network errors, timeouts, 5xx and 429; other 4xx and `success: false` fail at once. Transport failures
 * become AppErrors (`network`, `timeout`, `unavailable`, `rate_limited`, `upstream_rejected`), so callers
 * can tell what a retry may fix.
 */
export class CkanClient {
  private readonly opts: CkanClientOptions;
  private readonly log: Logger;

  constructor(opts: CkanClientOptions) {
    this.opts = opts;
    this.log = opts.log.child({ component: 'ckan-client' });
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  /** Absolute URL of a path or of a relative link CKAN sent (`_links.next` is relative to the portal). */
  resolve(pathOrUrl: string): string {
    const base = this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`;
    return new URL(pathOrUrl, base).toString();
  }

  async packageShow(id: string): Promise<CkanPackage> {
    const url = this.resolve(`api/3/action/package_show?id=${encodeURIComponent(id)}`);
    return this.action(url, CkanPackage);
  }

  /**
   * Pages of a datastore_search. Stops on an empty page or once the rows seen reach `total`. Follows
   * `_links.next` (relative to the portal; CKAN sends it even on the last page) when it moves forward, and
   * otherwise asks for the next offset itself, so a link that repeats or goes back cannot loop the crawler.
   */
  async *datastoreSearch(q: DatastoreQuery): AsyncGenerator<DatastorePage> {
    const limit = q.limit ?? 1000;
    const params = new URLSearchParams({ resource_id: q.resourceId, limit: String(limit) });
    if (q.filters) params.set('filters', JSON.stringify(q.filters));
    if (q.sort) params.set('sort', q.sort);
    const build = (offset: number) => {
      const p = new URLSearchParams(params);
      p.set('offset', String(offset));
      return this.resolve(`api/3/action/datastore_search?${p.toString()}`);
    };
    let offset = 0;
    let seen = 0;
    let url = build(0);
    for (let page = 1; ; page++) {
      const result = await this.action(url, DatastorePage);
      yield result;
      if (result.records.length === 0) return;
      seen += result.records.length;
      if (typeof result.total === 'number' && seen >= result.total) return;
      const next = result._links?.next ? this.resolve(result._links.next) : undefined;
      const nextOffset = next ? Number(new URL(next).searchParams.get('offset')) : Number.NaN;
      if (next && Number.isInteger(nextOffset) && nextOffset > offset) {
        url = next;
        offset = nextOffset;
      } else {
        offset += result.records.length;
        url = build(offset);
      }
      this.log.debug({ page, offset, seen, total: result.total }, 'datastore page');
    }
  }

  /**
   * Starts a streamed download. Retries cover the request up to the response headers; a failure while the
   * body streams surfaces as a retryable AppError from the stream, and the loader starts the file over.
   */
  async download(url: string): Promise<Download> {
    const abs = this.resolve(url);
    return withRetry(async () => {
      const controller = new AbortController();
      const { res, done } = await this.fetchWithTimeout(abs, controller, 'text/csv, */*');
      // From here on the idle timer of guardBody watches the transfer.
      done();
      if (!res.body) throw new AppError('upstream_rejected', `GET ${abs}: empty body`);
      const len = Number(res.headers.get('content-length'));
      const body = guardBody(res.body, controller, this.opts.idleTimeoutMs ?? 60_000, abs);
      return { body, ...(Number.isFinite(len) && len > 0 ? { size: len } : {}) };
    }, this.retryOptions(abs));
  }

  private async action<S extends z.ZodType>(url: string, schema: S): Promise<z.output<S>> {
    return withRetry(async () => {
      const controller = new AbortController();
      // The deadline covers the headers and the JSON body: an API answer is small.
      const { res, done } = await this.fetchWithTimeout(url, controller, 'application/json');
      let json: unknown;
      try {
        json = await res.json();
      } catch (err) {
        throw wrapTransport(err, url, controller);
      } finally {
        done();
      }
      const env = CkanEnvelope.safeParse(json);
      if (!env.success) throw new AppError('upstream_rejected', `${url}: not a CKAN action response`);
      if (!env.data.success) {
        throw new AppError('upstream_rejected', `${url}: CKAN error ${JSON.stringify(env.data.error)}`);
      }
      const parsed = schema.safeParse(env.data.result);
      if (!parsed.success) {
        throw new AppError('upstream_rejected', `${url}: unexpected result shape: ${parsed.error.message}`);
      }
      return parsed.data;
    }, this.retryOptions(url));
  }

  /**
   * fetch with a deadline that runs until `done()` is called; a non-2xx answer is turned into an AppError
   * (429 → rate_limited, 5xx → unavailable, both retryable; other statuses → upstream_rejected).
   */
  private async fetchWithTimeout(
    url: string,
    controller: AbortController,
    accept: string,
  ): Promise<{ res: Response; done: () => void }> {
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const timer = setTimeout(
      () => controller.abort(new AppError('timeout', `GET ${url}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const done = () => clearTimeout(timer);
    let res: Response;
    try {
      res = await fetch(url, {
        signal: controller.signal,
        headers: { accept, 'user-agent': 'cds-aneel-crawler/0.1' },
      });
    } catch (err) {
      done();
      throw wrapTransport(err, url, controller);
    }
    if (res.ok) return { res, done };
    done();
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 429) throw new AppError('rate_limited', `GET ${url}: 429 Too Many Requests`);
    if (res.status >= 500) {
      throw new AppError('unavailable', `GET ${url}: HTTP ${res.status}`, { status: 502, retryable: true });
    }
    throw new AppError('upstream_rejected', `GET ${url}: HTTP ${res.status}`, { status: 502 });
  }

  private retryOptions(url: string) {
    return {
      policy: this.opts.retry ?? DEFAULT_RETRY,
      deps: this.opts.retryDeps ?? realRetryDeps,
      onRetry: (err: unknown, attempt: number, delayMs: number) =>
        this.log.warn(
          { url, attempt, delayMs, err: (err as Error).message },
          'CKAN request failed; retrying',
        ),
    };
  }
}

function wrapTransport(err: unknown, url: string, controller: AbortController): AppError {
  if (isAppError(err)) return err;
  const reason = controller.signal.reason;
  if (controller.signal.aborted && isAppError(reason)) return reason;
  return new AppError('network', `GET ${url}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/**
 * The response body as a Node stream that fails with a retryable AppError when the connection breaks or no
 * byte arrives for `idleMs`, and that aborts the request when the consumer stops reading early.
 */
function guardBody(
  web: ReadableStream<Uint8Array>,
  controller: AbortController,
  idleMs: number,
  url: string,
): Readable {
  const source = Readable.fromWeb(web as import('node:stream/web').ReadableStream<Uint8Array>);
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new AppError('timeout', `GET ${url}: no data for ${idleMs} ms`)),
      idleMs,
    );
  };
  const out = new Readable({
    read() {
      source.resume();
    },
    destroy(err, cb) {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort();
      source.destroy();
      cb(err);
    },
  });
  arm();
  source.on('data', (chunk: Buffer) => {
    arm();
    if (!out.push(chunk)) source.pause();
  });
  source.on('end', () => {
    clearTimeout(timer);
    out.push(null);
  });
  source.on('error', (err) => {
    clearTimeout(timer);
    out.destroy(wrapTransport(err, url, controller));
  });
  return out;
}
