import type { Queryable } from './queryable.ts';

export interface SiteFields {
  name: string;
  distributorCnpj: string | null;
  subgroup: string;
  modality: 'Convencional' | 'Branca';
  consumerClass: string;
  supplyType: 'monofasico' | 'bifasico' | 'trifasico';
  timeZone: string;
  icmsRate: number | null;
  pisRate: number | null;
  cofinsRate: number | null;
  cosipRs: number | null;
  nominalVoltage: number;
}

export interface SiteRow extends SiteFields {
  siteId: string;
  createdAt: Date;
}

// numeric columns arrive as strings from pg (exact decimals); the API speaks plain numbers.
const COLUMNS = `site_id as "siteId", name, distributor_cnpj as "distributorCnpj", subgroup, modality,
  consumer_class as "consumerClass", supply_type as "supplyType", time_zone as "timeZone",
  icms_rate::float8 as "icmsRate", pis_rate::float8 as "pisRate", cofins_rate::float8 as "cofinsRate",
  cosip_rs::float8 as "cosipRs", nominal_voltage as "nominalVoltage", created_at as "createdAt"`;

const FIELD_COLUMNS: Record<keyof SiteFields, string> = {
  name: 'name',
  distributorCnpj: 'distributor_cnpj',
  subgroup: 'subgroup',
  modality: 'modality',
  consumerClass: 'consumer_class',
  supplyType: 'supply_type',
  timeZone: 'time_zone',
  icmsRate: 'icms_rate',
  pisRate: 'pis_rate',
  cofinsRate: 'cofins_rate',
  cosipRs: 'cosip_rs',
  nominalVoltage: 'nominal_voltage',
};

export class SitesRepository {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<SiteRow[]> {
    const { rows } = await this.db.query<SiteRow>(`select ${COLUMNS} from sites order by site_id`);
    return rows;
  }

  async get(siteId: string): Promise<SiteRow | null> {
    const { rows } = await this.db.query<SiteRow>(`select ${COLUMNS} from sites where site_id = $1`, [
      siteId,
    ]);
    return rows[0] ?? null;
  }

  /** Inserts a site with the given fields (the rest take the table defaults); null when the id is taken. */
  async create(siteId: string, fields: Partial<SiteFields> & { name: string }): Promise<SiteRow | null> {
    const keys = Object.keys(fields).filter(
      (k) => fields[k as keyof SiteFields] !== undefined,
    ) as (keyof SiteFields)[];
    const cols = ['site_id', ...keys.map((k) => FIELD_COLUMNS[k])];
    const values = [siteId, ...keys.map((k) => fields[k])];
    const { rows } = await this.db.query<SiteRow>(
      `insert into sites (${cols.join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')})
       on conflict (site_id) do nothing returning ${COLUMNS}`,
      values,
    );
    return rows[0] ?? null;
  }

  /** Sets the given fields (null clears a nullable one); null when there is no such site. */
  async update(siteId: string, fields: Partial<SiteFields>): Promise<SiteRow | null> {
    const keys = Object.keys(fields).filter(
      (k) => fields[k as keyof SiteFields] !== undefined,
    ) as (keyof SiteFields)[];
    if (keys.length === 0) return this.get(siteId);
    const sets = keys.map((k, i) => `${FIELD_COLUMNS[k]} = $${i + 2}`);
    const { rows } = await this.db.query<SiteRow>(
      `update sites set ${sets.join(', ')} where site_id = $1 returning ${COLUMNS}`,
      [siteId, ...keys.map((k) => fields[k])],
    );
    return rows[0] ?? null;
  }

  /** Deletes a site that has no gateways or devices: 'deleted', 'missing' or 'in_use'. */
  async delete(siteId: string): Promise<'deleted' | 'missing' | 'in_use'> {
    try {
      const { rowCount } = await this.db.query('delete from sites where site_id = $1', [siteId]);
      return rowCount === 1 ? 'deleted' : 'missing';
    } catch (err) {
      if ((err as { code?: string }).code === '23503') return 'in_use';
      throw err;
    }
  }
}
