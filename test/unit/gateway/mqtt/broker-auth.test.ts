import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BrokerCredentials,
  type BrokerIdentity,
  hashPassword,
  mayPublish,
  maySubscribe,
  verifyPassword,
} from '../../../../gateway/mqtt/broker-auth.ts';

const board: BrokerIdentity = { username: 'b1', device: 'aicss-a1', role: 'device' };
const anon: BrokerIdentity = { username: null, device: null, role: 'anonymous' };
const observer: BrokerIdentity = { username: 'dash', device: null, role: 'observer' };

/** The ACL rule as first written (split into levels): the reference the index-arithmetic version must match. */
function referenceMayPublish(identity: BrokerIdentity, topic: string): boolean {
  if (identity.role === 'observer') return false;
  const parts = topic.split('/');
  if (parts.length < 3 || (parts[0] !== 'tele' && parts[0] !== 'stat')) return false;
  const device = parts[1]!;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(device)) return false;
  if (parts.slice(2).some((p) => p === '')) return false;
  return identity.device === null || identity.device === device;
}

describe('broker ACL', () => {
  it('mayPublish agrees with the level-by-level reference on random topics (property)', () => {
    const level = fc.oneof(
      fc.constantFrom(
        'tele',
        'stat',
        'cmnd',
        'aicss-a1',
        'aicss-a10',
        'aicss-a',
        '',
        'SENSOR',
        '+',
        '#',
        '-x',
      ),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: fc.constantFrom('a', '1', '-', '.', '_', '/', ' '), maxLength: 70 }),
    );
    const topic = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
    const identity = fc.constantFrom(board, anon, observer);
    fc.assert(
      fc.property(identity, topic, (id, t) => {
        expect(mayPublish(id, t)).toBe(referenceMayPublish(id, t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('lets a board publish only under its own tele/ and stat/', () => {
    expect(mayPublish(board, 'tele/aicss-a1/SENSOR')).toBe(true);
    expect(mayPublish(board, 'stat/aicss-a1/RESULT')).toBe(true);
    expect(mayPublish(board, 'tele/aicss-a1/sub/level')).toBe(true);
    for (const t of [
      'tele/aicss-b2/SENSOR',
      'cmnd/aicss-a1/Power',
      'tele/aicss-a1',
      'tele/aicss-a1/',
      'cds/gw/alerts/x/y',
      'x',
    ])
      expect(mayPublish(board, t), t).toBe(false);
  });

  it('lets a board subscribe only to its own commands, never through a wildcard device', () => {
    expect(maySubscribe(board, 'cmnd/aicss-a1/#')).toBe(true);
    expect(maySubscribe(board, 'cmnd/aicss-a1/TelePeriod')).toBe(true);
    for (const f of ['cmnd/aicss-b2/#', 'cmnd/+/#', 'cmnd/#', '#', 'tele/aicss-a1/#', '$SYS/#'])
      expect(maySubscribe(board, f), f).toBe(false);
  });

  it('gives an anonymous board any one concrete device, and an observer read-only access', () => {
    expect(mayPublish(anon, 'tele/aicss-zz/SENSOR')).toBe(true);
    expect(maySubscribe(anon, 'cmnd/+/#')).toBe(false);
    expect(mayPublish(observer, 'tele/aicss-a1/SENSOR')).toBe(false);
    expect(maySubscribe(observer, 'cds/#')).toBe(true);
    expect(maySubscribe(observer, 'tele/+/SENSOR')).toBe(true);
    expect(maySubscribe(observer, 'cmnd/aicss-a1/#')).toBe(false);
  });
});

describe('broker credentials', () => {
  it('checks plain and scrypt passwords, and anonymous only when allowed', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);

    const creds = new BrokerCredentials(
      [
        { username: 'plain', password: 'pw-1', device: 'aicss-1' },
        { username: 'hashed', passwordHash: hash, device: 'aicss-2' },
      ],
      false,
      [{ username: 'dash', password: 'view' }],
    );
    expect(await creds.authenticate('plain', Buffer.from('pw-1'))).toMatchObject({
      ok: true,
      identity: { device: 'aicss-1' },
    });
    expect(await creds.authenticate('plain', Buffer.from('pw-12'))).toMatchObject({
      ok: false,
      returnCode: 4,
    });
    expect(await creds.authenticate('hashed', Buffer.from('correct horse'))).toMatchObject({
      ok: true,
      identity: { device: 'aicss-2' },
    });
    expect(await creds.authenticate('dash', Buffer.from('view'))).toMatchObject({
      ok: true,
      identity: { role: 'observer' },
    });
    expect(await creds.authenticate('ghost', Buffer.from('x'))).toMatchObject({ ok: false, returnCode: 4 });
    expect(await creds.authenticate(undefined, undefined)).toMatchObject({ ok: false, returnCode: 5 });
    const open = new BrokerCredentials([], true);
    expect(await open.authenticate(undefined, undefined)).toMatchObject({
      ok: true,
      identity: { role: 'anonymous' },
    });
  });
});
