import { isAppError } from '../../../shared/errors.ts';

export interface RetryPolicy {
  /** Tries in total, first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };

export interface RetryDeps {
  sleep: (ms: number) => Promise<void>;
  /** [0, 1); injected so tests can pin the jitter. */
  random: () => number;
}

export const realRetryDeps: RetryDeps = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Exponential backoff with "equal jitter": half the step is fixed, half random, capped at maxDelayMs. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Retryable: an AppError that says so (network, timeout, 5xx, 429). The CKAN client wraps every transport
 * failure in one; anything else (a SQL error, a malformed CSV) would fail the same way again.
 */
export function isRetryable(err: unknown): boolean {
  return isAppError(err) && err.retryable;
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error or runs out of attempts; the last error is
 * thrown. `onRetry` is told about each failure that will be retried (for logs and progress).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: {
    policy: RetryPolicy;
    deps: RetryDeps;
    retryable?: (err: unknown) => boolean;
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  const retryable = opts.retryable ?? isRetryable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.policy.attempts || !retryable(err)) throw err;
      const delay = backoffDelay(opts.policy, attempt, opts.deps.random);
      opts.onRetry?.(err, attempt, delay);
      await opts.deps.sleep(delay);
    }
  }
}
