import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCloud, type TestCloud } from '../../../helpers/cloud-app.ts';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await createTestCloud();
});
afterAll(() => cloud?.close());

// Each test logs in from its own address so the per-address limit of one test does not leak into another.
let ipCounter = 10;
function login(username: string, password: string, ip = `10.0.0.${ipCounter++}`) {
  return cloud.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password },
    remoteAddress: ip,
  });
}

function me(token: string) {
  return cloud.app.inject({
    method: 'GET',
    url: '/api/v1/auth/me',
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('login', () => {
  it('returns a working 15-minute access token and a refresh token for the right password', async () => {
    const res = await login('operator', cloud.users.operator.password);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { username: 'operator', role: 'operator' },
    });
    expect(body.refreshToken).toMatch(/^cdsrt_/);
    const who = await me(body.accessToken);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ username: 'operator', role: 'operator' });
  });

  it('refuses a wrong password with 401 and a clear message, the same as an unknown user', async () => {
    const wrong = await login('viewer', 'not-the-password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toMatchObject({
      code: 'unauthenticated',
      message: 'wrong username or password',
    });
    const unknown = await login('nobody', 'whatever-password');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.message).toBe('wrong username or password');
  });

  it('stores passwords as argon2id hashes only', async () => {
    const { rows } = await cloud.pool.query<{ password_hash: string }>('select password_hash from users');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows) expect(r.password_hash).toMatch(/^\$argon2id\$v=19\$/);
  });

  it('limits attempts per source address: the 6th in a minute gets 429 with Retry-After', async () => {
    const ip = '10.1.1.1';
    for (let i = 0; i < 5; i++)
      expect((await login(`someone${i}`, 'wrong-password', ip)).statusCode).toBe(401);
    const limited = await login('admin', cloud.users.admin.password, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The next minute starts a new window.
    cloud.clock.advance(60_000);
    expect((await login('admin', cloud.users.admin.password, ip)).statusCode).toBe(200);
  });

  it('limits attempts per username across addresses', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await login('viewer', 'wrong-password', `10.2.0.${i}`)).statusCode).toBe(401);
    }
    const limited = await login('viewer', cloud.users.viewer.password, '10.2.0.99');
    expect(limited.statusCode).toBe(429);
    cloud.clock.advance(60_000);
  });
});

describe('tokens', () => {
  it('rotates the refresh token on use, and a reused one ends the whole login', async () => {
    const first = (await login('admin', cloud.users.admin.password)).json();
    const r1 = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(r1.statusCode, r1.body).toBe(200);
    const second = r1.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(second.accessToken)).statusCode).toBe(200);

    const reuse = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().error.message).toMatch(/already used/);
    // The family is revoked: the newer token no longer works either.
    const after = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: second.refreshToken },
    });
    expect(after.statusCode).toBe(401);
  });

  it('refuses an expired access token with a message saying to refresh', async () => {
    const token = cloud.tokenFor('viewer');
    expect((await me(token)).statusCode).toBe(200);
    cloud.clock.advance(15 * 60_000 + 1_000);
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe('access token expired: refresh it');
  });

  it('refuses a token signed with another secret and a malformed one', async () => {
    const parts = cloud.tokenFor('admin').split('.');
    const forged = `${parts[0]}.${Buffer.from(JSON.stringify({ sub: '1', usr: 'admin', role: 'admin', typ: 'access' })).toString('base64url')}.${parts[2]}`;
    expect((await me(forged)).statusCode).toBe(401);
    expect((await me('garbage')).statusCode).toBe(401);
  });

  it('logout revokes the refresh token', async () => {
    const pair = (await login('operator', cloud.users.operator.password)).json();
    const out = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      payload: { refreshToken: pair.refreshToken },
    });
    expect(out.statusCode).toBe(204);
    const again = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    });
    expect(again.statusCode).toBe(401);
  });
});

describe('user administration', () => {
  it('creates a user who can log in, and disabling it ends its sessions', async () => {
    const admin = { authorization: `Bearer ${cloud.tokenFor('admin')}` };
    const created = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin,
      payload: { username: 'maria', password: 'maria-password-1', role: 'viewer' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ username: 'maria', role: 'viewer', disabled: false });
    const dup = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin,
      payload: { username: 'maria', password: 'maria-password-1', role: 'viewer' },
    });
    expect(dup.statusCode).toBe(409);

    const pair = (await login('maria', 'maria-password-1')).json();
    const disabled = await cloud.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/maria',
      headers: admin,
      payload: { disabled: true },
    });
    expect(disabled.json()).toMatchObject({ disabled: true });
    const refresh = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    expect((await login('maria', 'maria-password-1')).statusCode).toBe(403);
  });

  it('refuses a short password with the field named', async () => {
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${cloud.tokenFor('admin')}` },
      payload: { username: 'joao', password: 'short', role: 'viewer' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.details).toEqual([
      expect.stringMatching(/^body\.password: at least 10 characters/),
    ]);
  });
});
