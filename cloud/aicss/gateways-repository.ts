import type { Queryable } from './queryable.ts';

export interface GatewayRow {
  gatewayId: string;
  siteId: string;
  name: string | null;
  tokenCreatedAt: Date | null;
  lastSeenAt: Date | null;
  lastStatusAt: Date | null;
  configVersionApplied: number;
  revokedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `gateway_id as "gatewayId", site_id as "siteId", name, token_created_at as "tokenCreatedAt",
  last_seen_at as "lastSeenAt", last_status_at as "lastStatusAt",
  config_version_applied as "configVersionApplied", revoked_at as "revokedAt", created_at as "createdAt"`;

export class GatewaysRepository {
  constructor(private readonly db: Queryable) {}

  /** The live (not revoked) gateway owning this token hash, or null. */
  async findByTokenHash(tokenSha256: string): Promise<{ gatewayId: string; siteId: string } | null> {
    const { rows } = await this.db.query<{ gatewayId: string; siteId: string }>(
      `select gateway_id as "gatewayId", site_id as "siteId" from gateways
        where token_sha256 = $1 and revoked_at is null`,
      [tokenSha256],
    );
    return rows[0] ?? null;
  }

  async get(gatewayId: string): Promise<GatewayRow | null> {
    const { rows } = await this.db.query<GatewayRow>(
      `select ${COLUMNS} from gateways where gateway_id = $1`,
      [gatewayId],
    );
    return rows[0] ?? null;
  }

  async list(siteId?: string): Promise<GatewayRow[]> {
    const { rows } = await this.db.query<GatewayRow>(
      `select ${COLUMNS} from gateways where ($1::text is null or site_id = $1) order by gateway_id`,
      [siteId ?? null],
    );
    return rows;
  }

  /** Inserts a gateway; false when the id is taken. */
  async create(g: {
    gatewayId: string;
    siteId: string;
    name: string | null;
    tokenSha256: string;
  }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `insert into gateways (gateway_id, site_id, name, token_sha256, token_created_at)
       values ($1, $2, $3, $4, now()) on conflict (gateway_id) do nothing`,
      [g.gatewayId, g.siteId, g.name, g.tokenSha256],
    );
    return rowCount === 1;
  }

  /** Replaces the token (and lifts a revocation); false when the gateway does not exist. */
  async setToken(gatewayId: string, tokenSha256: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `update gateways set token_sha256 = $2, token_created_at = now(), revoked_at = null where gateway_id = $1`,
      [gatewayId, tokenSha256],
    );
    return rowCount === 1;
  }

  /** Refuses the gateway's token from now on; false when the gateway does not exist. */
  async revoke(gatewayId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `update gateways set token_sha256 = null, revoked_at = coalesce(revoked_at, now()) where gateway_id = $1`,
      [gatewayId],
    );
    return rowCount === 1;
  }
}
