/**
 * Stable error codes shared by every side of CDS. A code never changes meaning once released:
 * logs, metrics labels, API responses and the gateway's dead-letter table all key on it.
 * `retryable` tells a caller whether sending the same thing again later can succeed.
 */
export const ERROR_CODES = {
  // configuration and start-up
  config_invalid: { status: 500, retryable: false },
  // HTTP / API
  bad_request: { status: 400, retryable: false },
  validation_failed: { status: 400, retryable: false },
  malformed_json: { status: 400, retryable: false },
  unsupported_encoding: { status: 415, retryable: false },
  payload_too_large: { status: 413, retryable: false },
  unauthenticated: { status: 401, retryable: false },
  forbidden: { status: 403, retryable: false },
  not_found: { status: 404, retryable: false },
  conflict: { status: 409, retryable: false },
  rate_limited: { status: 429, retryable: true },
  idempotency_key_reused: { status: 422, retryable: false },
  internal: { status: 500, retryable: true },
  unavailable: { status: 503, retryable: true },
  // network / upstream
  network: { status: undefined, retryable: true },
  timeout: { status: undefined, retryable: true },
  upstream_rejected: { status: undefined, retryable: false },
  // storage
  storage_full: { status: 507, retryable: true },
  storage_corrupt: { status: 500, retryable: false },
  // data
  schema_drift: { status: undefined, retryable: false },
} as const satisfies Record<string, { status: number | undefined; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { cause?: unknown; details?: unknown; status?: number; retryable?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? ERROR_CODES[code].status;
    this.retryable = opts.retryable ?? ERROR_CODES[code].retryable;
    this.details = opts.details;
  }

  toJSON(): { code: ErrorCode; message: string; retryable: boolean; details?: unknown } {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Formats zod issues as `path: message` lines, all at once (config and body validation). */
export function formatIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string[] {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
}
