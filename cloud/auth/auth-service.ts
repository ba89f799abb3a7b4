import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors.ts';
import { withTransaction } from '../aicss/queryable.ts';
import type { CloudApp, CloudDeps } from '../app.ts';
import type { Role } from './access.ts';
import type { AccessClaims } from './access-hook.ts';
import { LoginAttemptsRepository } from './login-attempts-repository.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { RefreshTokensRepository } from './refresh-tokens-repository.ts';
import { newRefreshToken, sha256Hex } from './tokens.ts';
import { UsersRepository } from './users-repository.ts';

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: { username: string; role: Role };
}

const WINDOW_MS = 60_000;
// Expired refresh tokens are kept this long so that a late reuse is still recognised as reuse.
const REFRESH_GRACE_MS = 7 * 24 * 3600 * 1000;

/**
 * Login, refresh and logout. Sessions are a short JWT (verified without the database) plus an opaque
 * refresh token stored hashed and rotated on every use; the rate limit counts attempts in PostgreSQL.
 */
export class AuthService {
  private readonly users: UsersRepository;
  private readonly refreshTokens: RefreshTokensRepository;
  private readonly attempts: LoginAttemptsRepository;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly app: CloudApp,
    private readonly deps: CloudDeps,
  ) {
    this.users = new UsersRepository(deps.pool);
    this.refreshTokens = new RefreshTokensRepository(deps.pool);
    this.attempts = new LoginAttemptsRepository(deps.pool);
  }

  /**
   * Counts this attempt against the source address and the username, and refuses with 429 (and the
   * seconds to wait) past `auth.loginMaxPerMinute` in the current minute.
   */
  async checkRateLimit(ip: string, username: string): Promise<void> {
    const now = this.deps.clock();
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const counts = await this.attempts.hit(
      [`ip:${ip}`, `user:${username.toLowerCase()}`],
      new Date(windowStart),
    );
    // Old windows are useless; the delete is an index range scan over a handful of rows.
    await this.attempts.deleteBefore(new Date(windowStart - 10 * WINDOW_MS));
    const max = this.deps.config.auth.loginMaxPerMinute;
    if (counts.some((c) => c > max)) {
      const retryAfterS = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
      throw new AppError('rate_limited', `too many login attempts: try again in ${retryAfterS} s`, {
        details: { retryAfterS },
      });
    }
  }

  async login(username: string, password: string): Promise<TokenPair> {
    const user = await this.users.findByUsername(username);
    // Verify against a dummy hash for unknown users, so timing does not tell which usernames exist.
    this.dummyHash ??= hashPassword('not-a-real-password-cds');
    const ok = await verifyPassword(user?.passwordHash ?? (await this.dummyHash), password);
    if (!user || !ok) throw new AppError('unauthenticated', 'wrong username or password');
    if (user.disabledAt) throw new AppError('forbidden', 'this account is disabled');
    await this.refreshTokens.deleteExpired(new Date(this.deps.clock() - REFRESH_GRACE_MS));
    return this.issue(user.userId, user.username, user.role, randomUUID());
  }

  /**
   * Exchanges a refresh token for a new pair and retires the old token. Presenting a token that was
   * already used revokes every token of that login: one of the two holders is not the user.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const at = new Date(this.deps.clock());
    const hash = sha256Hex(refreshToken);
    const outcome = await withTransaction(this.deps.pool, async (client) => {
      const repo = new RefreshTokensRepository(client);
      const row = await repo.lockByHash(client, hash);
      if (!row) return { error: 'unknown refresh token: log in again' } as const;
      if (row.revokedAt) {
        await repo.revokeFamily(row.familyId, at);
        return {
          error: 'refresh token already used or revoked: all sessions of this login were ended',
        } as const;
      }
      if (row.expiresAt.getTime() <= at.getTime())
        return { error: 'refresh token expired: log in again' } as const;
      const user = await new UsersRepository(client).findById(row.userId);
      if (!user || user.disabledAt) {
        await repo.revokeFamily(row.familyId, at);
        return { error: 'this account is disabled' } as const;
      }
      const pair = await this.issue(user.userId, user.username, user.role, row.familyId, repo);
      await repo.markRotated(hash, sha256Hex(pair.refreshToken), at);
      return { pair } as const;
    });
    // The family revocation above must commit, so the refusal is thrown only after the transaction.
    if ('error' in outcome) throw new AppError('unauthenticated', outcome.error as string);
    return outcome.pair;
  }

  /** Ends the session of this refresh token; unknown or already revoked tokens are not an error. */
  async logout(refreshToken: string): Promise<void> {
    await this.refreshTokens.revoke(sha256Hex(refreshToken), new Date(this.deps.clock()));
  }

  private async issue(
    userId: number,
    username: string,
    role: Role,
    familyId: string,
    repo: RefreshTokensRepository = this.refreshTokens,
  ): Promise<TokenPair> {
    const { accessTokenTtlS, refreshTokenTtlS } = this.deps.config.auth;
    const now = this.deps.clock();
    const accessToken = issueAccessToken(this.app, this.deps, { userId, username, role });
    const refreshToken = newRefreshToken();
    await repo.insert({
      tokenSha256: sha256Hex(refreshToken),
      userId,
      familyId,
      expiresAt: new Date(now + refreshTokenTtlS * 1000),
    });
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: accessTokenTtlS,
      refreshToken,
      refreshExpiresIn: refreshTokenTtlS,
      user: { username, role },
    };
  }
}

/** A signed access token for this user, valid `auth.accessTokenTtlS` from `deps.clock()`. */
export function issueAccessToken(
  app: CloudApp,
  deps: CloudDeps,
  user: { userId: number; username: string; role: Role },
): string {
  const claims: AccessClaims = {
    sub: String(user.userId),
    usr: user.username,
    role: user.role,
    typ: 'access',
  };
  return app.jwt.sign(claims, { expiresIn: deps.config.auth.accessTokenTtlS, clockTimestamp: deps.clock() });
}
