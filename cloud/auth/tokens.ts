import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque secrets handed out by the cloud. Only their SHA-256 is stored, so a database dump does not let
 * anyone act as a gateway or refresh a session. A prefix tells the two kinds (and JWTs) apart in a header.
 */
export const GATEWAY_TOKEN_PREFIX = 'cdsgw_';
export const REFRESH_TOKEN_PREFIX = 'cdsrt_';

export function newGatewayToken(): string {
  return GATEWAY_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function newRefreshToken(): string {
  return REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** A random password for the first-run admin: 20 base64url chars ≈ 120 bits. */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The bearer token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
