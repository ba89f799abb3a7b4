import type pg from 'pg';
import type { Queryable } from '../aicss/queryable.ts';

export interface RefreshTokenRow {
  tokenSha256: string;
  userId: number;
  familyId: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export class RefreshTokensRepository {
  constructor(private readonly db: Queryable) {}

  async insert(t: { tokenSha256: string; userId: number; familyId: string; expiresAt: Date }): Promise<void> {
    await this.db.query(
      `insert into refresh_tokens (token_sha256, user_id, family_id, expires_at) values ($1, $2, $3, $4)`,
      [t.tokenSha256, t.userId, t.familyId, t.expiresAt],
    );
  }

  /** Reads the token row and locks it until the transaction ends (two concurrent refreshes: one wins). */
  async lockByHash(client: pg.PoolClient, tokenSha256: string): Promise<RefreshTokenRow | null> {
    const { rows } = await client.query<RefreshTokenRow>(
      `select token_sha256 as "tokenSha256", user_id::int as "userId", family_id as "familyId",
              expires_at as "expiresAt", revoked_at as "revokedAt"
         from refresh_tokens where token_sha256 = $1 for update`,
      [tokenSha256],
    );
    return rows[0] ?? null;
  }

  async markRotated(tokenSha256: string, replacedBy: string, at: Date): Promise<void> {
    await this.db.query(
      `update refresh_tokens set revoked_at = $3, replaced_by = $2 where token_sha256 = $1`,
      [tokenSha256, replacedBy, at],
    );
  }

  async revoke(tokenSha256: string, at: Date): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `update refresh_tokens set revoked_at = $2 where token_sha256 = $1 and revoked_at is null`,
      [tokenSha256, at],
    );
    return rowCount === 1;
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.db.query(
      `update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null`,
      [familyId, at],
    );
  }

  async revokeAllOfUser(userId: number, at: Date): Promise<void> {
    await this.db.query(
      `update refresh_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null`,
      [userId, at],
    );
  }

  /** Drops tokens expired before `before` (kept a while after expiry so reuse is still recognised). */
  async deleteExpired(before: Date): Promise<void> {
    await this.db.query('delete from refresh_tokens where expires_at < $1', [before]);
  }
}
