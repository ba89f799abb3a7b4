import { z } from 'zod';
import { GatewayId } from '../../shared/schemas/sync.ts';

/**
 * The claim string an installer pastes into `cds gateway init --claim`: `cds1:` + base64url(JSON) of the
 * cloud URL, the gateway id, its one-time-shown token and its site. Versioned by the prefix so the format
 * can change without a gateway mistaking a new claim for an old one.
 */
export const CLAIM_PREFIX = 'cds1:';

export const Claim = z
  .object({
    cloudUrl: z.string().url().describe('Base URL of the cloud API'),
    gatewayId: GatewayId,
    token: z.string().min(16).describe('Gateway bearer token'),
    siteId: z.string().min(1),
  })
  .strict();
export type Claim = z.infer<typeof Claim>;

export function encodeClaim(c: Claim): string {
  return CLAIM_PREFIX + Buffer.from(JSON.stringify(Claim.parse(c)), 'utf8').toString('base64url');
}

/** Decodes and validates a claim string; throws an Error with a readable reason. */
export function decodeClaim(s: string): Claim {
  const trimmed = s.trim();
  if (!trimmed.startsWith(CLAIM_PREFIX)) throw new Error(`a claim string starts with ${CLAIM_PREFIX}`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(trimmed.slice(CLAIM_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new Error('the claim string is damaged (not base64url JSON): copy it again');
  }
  const r = Claim.safeParse(json);
  if (!r.success)
    throw new Error(`the claim string is incomplete: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}
