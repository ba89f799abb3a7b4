import { z } from 'zod';
import { AppError, formatIssues } from '../../shared/errors.ts';
import { GatewayId } from '../../shared/schemas/sync.ts';

/**
 * The claim string the cloud issues when an operator registers a gateway:
 * `cds1:<base64url of JSON {cloudUrl, gatewayId, token, siteId}>`. Pasted into `cds gateway init --claim`,
 * it fills the cloud URL, the token and the ids in one go (nothing to retype on a small keyboard).
 */

export const CLAIM_PREFIX = 'cds1:';

export const Claim = z
  .object({
    cloudUrl: z.url({ protocol: /^https?$/ }),
    gatewayId: GatewayId,
    token: z.string().min(16).max(512),
    siteId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/),
  })
  .strict();
export type Claim = z.infer<typeof Claim>;

export function parseClaim(text: string): Claim {
  const s = text.trim();
  if (!s.startsWith(CLAIM_PREFIX))
    throw new AppError('validation_failed', `a claim string starts with "${CLAIM_PREFIX}"`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(s.slice(CLAIM_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new AppError(
      'validation_failed',
      'the claim string is damaged (not base64url JSON); copy it again',
    );
  }
  const r = Claim.safeParse(doc);
  if (!r.success)
    throw new AppError('validation_failed', `claim string: ${formatIssues(r.error.issues).join('; ')}`);
  return r.data;
}

export function encodeClaim(c: Claim): string {
  return `${CLAIM_PREFIX}${Buffer.from(JSON.stringify(c), 'utf8').toString('base64url')}`;
}
