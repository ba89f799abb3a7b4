import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeClaim, encodeClaim } from '../../../../cloud/aicss/claim.ts';
import { GatewayConfigOverrides, scheduleIntervalS } from '../../../../cloud/aicss/gateway-config-schema.ts';
import { CloudConfig } from '../../../../cloud/config.ts';
import { envOverrides } from '../../../../cloud/server-env.ts';
import { AlertsConfig } from '../../../../gateway/config/core-config.ts';

describe('claim string', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(
        fc.webUrl(),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/),
        fc.string({ minLength: 16, maxLength: 60 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        (cloudUrl, gatewayId, token, siteId) => {
          const c = { cloudUrl, gatewayId, token, siteId };
          const s = encodeClaim(c);
          expect(s.startsWith('cds1:')).toBe(true);
          expect(decodeClaim(`  ${s}\n`)).toEqual(c);
        },
      ),
    );
  });

  it('explains what is wrong with a bad claim, and never throws anything else on random input', () => {
    expect(() => decodeClaim('xyz')).toThrow('a claim string starts with cds1:');
    expect(() => decodeClaim('cds1:%%%')).toThrow(/damaged|incomplete/);
    expect(() => decodeClaim(`cds1:${Buffer.from('{"cloudUrl":"http://x"}').toString('base64url')}`)).toThrow(
      /incomplete/,
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(() => decodeClaim(`cds1:${s}`)).toThrow(Error);
      }),
    );
  });
});

describe('gateway config overrides', () => {
  it('accepts any subset of the gateway sections, without filling in defaults', () => {
    const input = { alerts: { overCurrent: { maxA: 15 } }, sync: { backlogTrigger: 500 } };
    expect(GatewayConfigOverrides.parse(input)).toEqual(input);
  });

  it('accepts every value the gateway itself accepts (its defaults, as a full override)', () => {
    const full = AlertsConfig.parse({});
    expect(GatewayConfigOverrides.safeParse({ alerts: full }).success).toBe(true);
  });

  it('refuses unknown keys, secrets and invalid schedules', () => {
    const r = GatewayConfigOverrides.safeParse({
      alerts: { overCurent: {} },
      sync: { token: 't', schedule: 'x' },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['alerts', 'sync', 'sync.schedule']));
  });

  it('reads the worst-case interval of a cron schedule', () => {
    expect(scheduleIntervalS('*/10 * * * * *')).toBe(10);
    expect(scheduleIntervalS('0,10 * * * * *')).toBe(50);
    expect(scheduleIntervalS('0 0 3 * * *')).toBe(86_400);
    expect(scheduleIntervalS('bad')).toBeUndefined();
  });
});

describe('CDS_CLOUD_* environment', () => {
  it('maps every level of the schema, keeps text as text and splits lists', () => {
    const o = envOverrides({
      CDS_CLOUD_PORT: '9090',
      CDS_CLOUD_JWT_SECRET: '1234567890123456789012345678901234',
      CDS_CLOUD_CORS_ORIGINS: 'https://a.example, https://b.example',
      CDS_CLOUD_AUTH__LOGIN_MAX_PER_MINUTE: '3',
      CDS_CLOUD_TRUST_PROXY: 'true',
      CDS_CLOUD_TLS__CERT_FILE: '/etc/cds/cert.pem',
      DATABASE_URL: 'postgres://db/cds',
      UNRELATED: 'x',
    });
    expect(o).toEqual({
      port: 9090,
      jwtSecret: '1234567890123456789012345678901234',
      corsOrigins: ['https://a.example', 'https://b.example'],
      auth: { loginMaxPerMinute: 3 },
      trustProxy: true,
      tls: { certFile: '/etc/cds/cert.pem' },
      databaseUrl: 'postgres://db/cds',
    });
    expect(CloudConfig.safeParse(o).success).toBe(false); // tls needs keyFile too: reported, not ignored
  });
});
