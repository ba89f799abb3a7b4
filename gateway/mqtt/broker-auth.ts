import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { BrokerDevice } from '../config/config-schema.ts';

/**
 * Who may connect to the embedded broker and what they may do (the ACL).
 * - A login is bound to ONE device: it may publish only under `tele/<device>/…` and `stat/<device>/…`, and
 *   subscribe only under `cmnd/<device>/…` (its commands). A board that publishes for another device is
 *   a misconfiguration or an attack; either way its data must not be filed under someone else's id.
 * - Anonymous boards (only when `allowAnonymous`) are trusted with any single device id, the same shape.
 * - Observer logins (a dashboard, Node-RED, Home Assistant on the LAN) publish nothing and may subscribe to
 *   the gateway's own tree (`cds/…`: alerts and status) and to the boards' `tele/…` and `stat/…`.
 * Passwords are compared in constant time (timingSafeEqual over equal-length digests) or checked against
 * an scrypt hash, so a wrong guess takes as long as a near miss.
 */

/** What a connected client is allowed to speak for; `device: null` = anonymous, any one device id. */
export interface BrokerIdentity {
  username: string | null;
  device: string | null;
  role: 'device' | 'anonymous' | 'observer';
}

/** A read-only login (see above). */
export interface BrokerObserver {
  username: string;
  password?: string;
  passwordHash?: string;
}

const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 32 } as const;

function scryptAsync(password: Buffer | string, salt: Buffer, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$<salt b64>$<key b64>`: what `passwordHash` in the config holds. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keylen);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: Buffer | string, hash: string): Promise<boolean> {
  const [kind, saltB64, keyB64] = hash.split('$');
  if (kind !== 'scrypt' || !saltB64 || !keyB64) return false;
  const expected = Buffer.from(keyB64, 'base64');
  const actual = await scryptAsync(password, Buffer.from(saltB64, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

/** Constant-time equality of two secrets of any length: compares their SHA-256 digests. */
function sameSecret(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

const NO_SECRET = Buffer.from('no such user');

export type AuthResult =
  | { ok: true; identity: BrokerIdentity }
  | { ok: false; returnCode: 4 | 5; reason: string };

export class BrokerCredentials {
  readonly #byUsername: Map<string, BrokerDevice | (BrokerObserver & { device?: undefined })>;
  readonly #allowAnonymous: boolean;

  constructor(
    devices: readonly BrokerDevice[],
    allowAnonymous: boolean,
    observers: readonly BrokerObserver[] = [],
  ) {
    this.#byUsername = new Map([
      ...observers.map((o) => [o.username, o] as const),
      ...devices.map((d) => [d.username, d] as const),
    ]);
    this.#allowAnonymous = allowAnonymous;
  }

  async authenticate(username: string | undefined, password: Buffer | undefined): Promise<AuthResult> {
    if (username === undefined || username === '') {
      return this.#allowAnonymous
        ? { ok: true, identity: { username: null, device: null, role: 'anonymous' } }
        : { ok: false, returnCode: 5, reason: 'anonymous login not allowed' };
    }
    const entry = this.#byUsername.get(username);
    const given = password ?? Buffer.alloc(0);
    if (!entry) {
      // Same work as a known user, so the answer time does not tell which usernames exist.
      sameSecret(given, NO_SECRET);
      return { ok: false, returnCode: 4, reason: 'unknown username' };
    }
    const good =
      entry.passwordHash !== undefined
        ? await verifyPassword(given, entry.passwordHash)
        : sameSecret(given, Buffer.from(entry.password ?? '', 'utf8'));
    return good
      ? {
          ok: true,
          identity:
            entry.device === undefined
              ? { username, device: null, role: 'observer' }
              : { username, device: entry.device, role: 'device' },
        }
      : { ok: false, returnCode: 4, reason: 'wrong password' };
  }
}

const DEVICE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SLASH = 0x2f;

/**
 * `tele/<own>/…` or `stat/<own>/…` with at least one non-empty level after the device and no empty level.
 * Runs for every publish: index arithmetic, no split.
 */
export function mayPublish(identity: BrokerIdentity, topic: string): boolean {
  if (identity.role === 'observer') return false;
  if (topic.charCodeAt(4) !== SLASH || !(topic.startsWith('tele') || topic.startsWith('stat'))) return false;
  const end = topic.indexOf('/', 5);
  // The rest after the device: present, and no empty level in it (`a//b`, trailing `/`).
  if (end < 0 || topic.endsWith('/') || topic.includes('//', end)) return false;
  const own = identity.device;
  if (own !== null) return end - 5 === own.length && topic.startsWith(own, 5);
  return DEVICE_SEGMENT.test(topic.slice(5, end));
}

/** `cmnd/<own>/<Cmd>` or `cmnd/<own>/#` (or `+`); never a wildcard in place of the device. */
export function maySubscribe(identity: BrokerIdentity, filter: string, gatewayPrefix = 'cds'): boolean {
  const parts = filter.split('/');
  if (identity.role === 'observer') return [gatewayPrefix, 'tele', 'stat'].includes(parts[0]!);
  if (parts.length < 3 || parts[0] !== 'cmnd') return false;
  const device = parts[1]!;
  if (!DEVICE_SEGMENT.test(device)) return false;
  return identity.device === null || identity.device === device;
}
