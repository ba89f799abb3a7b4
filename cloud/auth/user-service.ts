import { AppError } from '../../shared/errors.ts';
import type { Queryable } from '../aicss/queryable.ts';
import type { Role } from './access.ts';
import { hashPassword } from './password.ts';
import { RefreshTokensRepository } from './refresh-tokens-repository.ts';
import { type UserRow, UsersRepository } from './users-repository.ts';

/** User administration shared by the HTTP routes, `cds cloud user add` and the first-run bootstrap. */
export async function createUser(
  db: Queryable,
  u: { username: string; password: string; role: Role },
): Promise<UserRow> {
  const created = await new UsersRepository(db).create({
    username: u.username,
    passwordHash: await hashPassword(u.password),
    role: u.role,
  });
  if (!created) throw new AppError('conflict', `user ${u.username} already exists`);
  return created;
}

export async function updateUser(
  db: Queryable,
  username: string,
  changes: { role?: Role; password?: string; disabled?: boolean },
  now: Date,
): Promise<UserRow> {
  const updated = await new UsersRepository(db).update(username, {
    ...(changes.role ? { role: changes.role } : {}),
    ...(changes.password ? { passwordHash: await hashPassword(changes.password) } : {}),
    ...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
  });
  if (!updated) throw new AppError('not_found', `no user ${username}`);
  // A new password or a disabled account ends every open session (access tokens lapse within their TTL).
  if (changes.password || changes.disabled) {
    await new RefreshTokensRepository(db).revokeAllOfUser(updated.userId, now);
  }
  return updated;
}

export function publicUser(u: UserRow): { username: string; role: Role; createdAt: Date; disabled: boolean } {
  return { username: u.username, role: u.role, createdAt: u.createdAt, disabled: u.disabledAt !== null };
}
