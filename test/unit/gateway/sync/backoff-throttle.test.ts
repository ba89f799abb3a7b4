import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs } from '../../../../gateway/sync/backoff.ts';
import { ByteThrottle } from '../../../../gateway/sync/byte-throttle.ts';

describe('backoff', () => {
  it('doubles up to the cap, with equal jitter between half and the full delay', () => {
    const o = { initialMs: 1000, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelayMs(a, o, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
    expect(backoffDelayMs(3, o, () => 0)).toBe(2000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfterMs('7', now)).toBe(7000);
    expect(parseRetryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('ByteThrottle', () => {
  it('lets a burst through, then spaces sends so the rate holds over time', () => {
    let now = 0;
    const t = new ByteThrottle({ bytesPerSecond: 1000, clock: () => now });
    expect(t.waitMs()).toBe(0);
    t.charge(3000); // one big batch overdraws the one-second burst
    expect(t.waitMs()).toBe(2000);
    now = 1000;
    expect(t.waitMs()).toBe(1000);
    now = 2000;
    expect(t.waitMs()).toBe(0);
    // Sending whenever allowed for 100 s moves at most rate × (100 s + burst) + one batch.
    let sent = 3000;
    const start = now;
    while (now < start + 100_000) {
      if (t.waitMs() === 0) {
        t.charge(700);
        sent += 700;
      }
      now += 50;
    }
    expect(sent).toBeLessThanOrEqual(1000 * (102 + 1) + 700 + 3000);
    expect(sent).toBeGreaterThan(1000 * 95);
  });
});
