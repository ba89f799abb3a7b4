import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors.ts';
import { newGatewayToken, sha256Hex } from '../auth/tokens.ts';
import { encodeClaim } from './claim.ts';
import { GatewaysRepository } from './gateways-repository.ts';
import type { Queryable } from './queryable.ts';
import { SitesRepository } from './sites-repository.ts';

export interface GatewayCredentials {
  gatewayId: string;
  siteId: string;
  /** Shown once: only its sha256 is stored. */
  token: string;
  /** `cds1:…` for `cds gateway init --claim`. */
  claim: string;
}

/**
 * Gateway registration and token rotation, shared by `POST /api/v1/gateways`, `cds cloud gateway add` and
 * the demo. The token is generated here, returned once, and stored only as its sha256.
 */
export async function registerGateway(
  db: Queryable,
  req: { siteId: string; gatewayId?: string; name?: string; cloudUrl: string },
): Promise<GatewayCredentials> {
  const site = await new SitesRepository(db).get(req.siteId);
  if (!site) throw new AppError('not_found', `no site ${req.siteId}: create it first`);
  const gatewayId = req.gatewayId ?? `gw-${randomBytes(4).toString('hex')}`;
  const token = newGatewayToken();
  const created = await new GatewaysRepository(db).create({
    gatewayId,
    siteId: req.siteId,
    name: req.name ?? null,
    tokenSha256: sha256Hex(token),
  });
  if (!created)
    throw new AppError('conflict', `gateway ${gatewayId} already exists: rotate its token instead`);
  return credentials(gatewayId, req.siteId, token, req.cloudUrl);
}

/** New token for an existing gateway (the old one stops working at once; a revoked gateway is re-enabled). */
export async function rotateGatewayToken(
  db: Queryable,
  gatewayId: string,
  cloudUrl: string,
): Promise<GatewayCredentials> {
  const repo = new GatewaysRepository(db);
  const gw = await repo.get(gatewayId);
  if (!gw) throw new AppError('not_found', `no gateway ${gatewayId}`);
  const token = newGatewayToken();
  await repo.setToken(gatewayId, sha256Hex(token));
  return credentials(gatewayId, gw.siteId, token, cloudUrl);
}

export async function revokeGateway(db: Queryable, gatewayId: string): Promise<void> {
  if (!(await new GatewaysRepository(db).revoke(gatewayId))) {
    throw new AppError('not_found', `no gateway ${gatewayId}`);
  }
}

function credentials(gatewayId: string, siteId: string, token: string, cloudUrl: string): GatewayCredentials {
  return { gatewayId, siteId, token, claim: encodeClaim({ cloudUrl, gatewayId, token, siteId }) };
}
