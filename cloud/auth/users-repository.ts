import type { Queryable } from '../aicss/queryable.ts';
import type { Role } from './access.ts';

export interface UserRow {
  userId: number;
  username: string;
  role: Role;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface UserWithHash extends UserRow {
  passwordHash: string;
}

const COLUMNS = `user_id::int as "userId", username, role, created_at as "createdAt", disabled_at as "disabledAt"`;

export class UsersRepository {
  constructor(private readonly db: Queryable) {}

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('select count(*)::int as n from users');
    return rows[0]?.n ?? 0;
  }

  async findByUsername(username: string): Promise<UserWithHash | null> {
    const { rows } = await this.db.query<UserWithHash>(
      `select ${COLUMNS}, password_hash as "passwordHash" from users where username = $1`,
      [username],
    );
    return rows[0] ?? null;
  }

  async findById(userId: number): Promise<UserRow | null> {
    const { rows } = await this.db.query<UserRow>(`select ${COLUMNS} from users where user_id = $1`, [
      userId,
    ]);
    return rows[0] ?? null;
  }

  async list(): Promise<UserRow[]> {
    const { rows } = await this.db.query<UserRow>(`select ${COLUMNS} from users order by username`);
    return rows;
  }

  /** Inserts a user; null when the username is taken. */
  async create(u: { username: string; passwordHash: string; role: Role }): Promise<UserRow | null> {
    const { rows } = await this.db.query<UserRow>(
      `insert into users (username, password_hash, role) values ($1, $2, $3)
       on conflict (username) do nothing returning ${COLUMNS}`,
      [u.username, u.passwordHash, u.role],
    );
    return rows[0] ?? null;
  }

  /** Changes the given fields; null when there is no such user. */
  async update(
    username: string,
    changes: { role?: Role; passwordHash?: string; disabled?: boolean },
  ): Promise<UserRow | null> {
    const { rows } = await this.db.query<UserRow>(
      `update users set
         role = coalesce($2, role),
         password_hash = coalesce($3, password_hash),
         disabled_at = case when $4::boolean is null then disabled_at
                            when $4 then coalesce(disabled_at, now()) else null end
       where username = $1 returning ${COLUMNS}`,
      [username, changes.role ?? null, changes.passwordHash ?? null, changes.disabled ?? null],
    );
    return rows[0] ?? null;
  }
}
