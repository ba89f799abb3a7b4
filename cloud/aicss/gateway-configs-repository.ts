import type pg from 'pg';
import type { Queryable } from './queryable.ts';

export interface GatewayConfigRow {
  gatewayId: string;
  version: number;
  config: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
}

const COLUMNS = `gateway_id as "gatewayId", version, config, created_by as "createdBy", created_at as "createdAt"`;

export class GatewayConfigsRepository {
  constructor(private readonly db: Queryable) {}

  /** Every version, newest first. */
  async history(gatewayId: string): Promise<GatewayConfigRow[]> {
    const { rows } = await this.db.query<GatewayConfigRow>(
      `select ${COLUMNS} from gateway_configs where gateway_id = $1 order by version desc`,
      [gatewayId],
    );
    return rows;
  }

  /**
   * Stores `config` as the gateway's next version. The gateway row is locked first so two concurrent PUTs
   * get consecutive versions instead of one failing on the primary key. Null when the gateway is unknown.
   */
  async insertNext(
    client: pg.PoolClient,
    gatewayId: string,
    config: Record<string, unknown>,
    createdBy: string,
  ): Promise<GatewayConfigRow | null> {
    const locked = await client.query('select 1 from gateways where gateway_id = $1 for update', [gatewayId]);
    if (locked.rowCount !== 1) return null;
    const { rows } = await client.query<GatewayConfigRow>(
      `insert into gateway_configs (gateway_id, version, config, created_by)
       select $1, coalesce(max(version), 0) + 1, $2, $3 from gateway_configs where gateway_id = $1
       returning ${COLUMNS}`,
      [gatewayId, config, createdBy],
    );
    return rows[0] ?? null;
  }
}
