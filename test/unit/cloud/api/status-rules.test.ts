import { describe, expect, it } from 'vitest';
import {
  deviceState,
  gatewayState,
  syncIntervalOf,
  totalPower,
} from '../../../../cloud/aicss/status-rules.ts';
import { CloudConfig } from '../../../../cloud/config.ts';

const cfg = CloudConfig.parse({}).status; // 10 s default interval, offline after 6, silent after 6, zero ≤ 1 W
const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
const ago = (s: number) => new Date(NOW - s * 1000);

describe('gatewayState', () => {
  it('is online within N sync intervals, offline after, never_seen without a sync, revoked first', () => {
    expect(gatewayState({ lastSeenAt: ago(59), revokedAt: null, syncIntervalS: 10 }, NOW, cfg)).toBe(
      'online',
    );
    expect(gatewayState({ lastSeenAt: ago(61), revokedAt: null, syncIntervalS: 10 }, NOW, cfg)).toBe(
      'offline',
    );
    expect(gatewayState({ lastSeenAt: ago(3000), revokedAt: null, syncIntervalS: 600 }, NOW, cfg)).toBe(
      'online',
    );
    expect(gatewayState({ lastSeenAt: null, revokedAt: null, syncIntervalS: 10 }, NOW, cfg)).toBe(
      'never_seen',
    );
    expect(gatewayState({ lastSeenAt: ago(1), revokedAt: ago(0), syncIntervalS: 10 }, NOW, cfg)).toBe(
      'revoked',
    );
  });
});

describe('deviceState', () => {
  const base = { expectedIntervalS: 10, lastReadingTs: ago(5), gatewayLastSeenAt: null, lastPowerW: [40, 0] };

  it('reports consumption, true zero, silence and an offline gateway as different states', () => {
    expect(deviceState(base, 'online', NOW, cfg)).toBe('reporting');
    expect(deviceState({ ...base, lastPowerW: [0, 0.5] }, 'online', NOW, cfg)).toBe('zero_consumption');
    expect(deviceState({ ...base, lastReadingTs: ago(61) }, 'online', NOW, cfg)).toBe('silent');
    expect(deviceState({ ...base, lastReadingTs: ago(61) }, 'offline', NOW, cfg)).toBe('gateway_offline');
    expect(deviceState({ ...base, lastReadingTs: null }, 'online', NOW, cfg)).toBe('never_seen');
  });

  it('counts the gateway having heard the board (readings still buffered) as not silent', () => {
    expect(
      deviceState({ ...base, lastReadingTs: ago(300), gatewayLastSeenAt: ago(5) }, 'online', NOW, cfg),
    ).toBe('reporting');
  });

  it('does not call a board without power measurements zero', () => {
    expect(deviceState({ ...base, lastPowerW: null }, 'online', NOW, cfg)).toBe('reporting');
    expect(totalPower([null, 3, 4])).toBe(7);
    expect(totalPower([null])).toBeNull();
  });
});

describe('syncIntervalOf', () => {
  it('reads the pushed sync.schedule, else the default', () => {
    expect(syncIntervalOf({ sync: { schedule: '*/30 * * * * *' } }, 10)).toBe(30);
    expect(syncIntervalOf({ sync: { schedule: '0 */5 * * * *' } }, 10)).toBe(300);
    expect(syncIntervalOf({ sync: { schedule: 'nonsense' } }, 10)).toBe(10);
    expect(syncIntervalOf(null, 15)).toBe(15);
  });
});
