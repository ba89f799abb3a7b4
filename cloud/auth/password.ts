import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with the library defaults (19 MiB, 2 passes, 1 lane: the OWASP baseline), stored as a PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$…`) that carries its own parameters, so they can be raised later without
 * breaking existing hashes.
 */
export function hashPassword(password: string): Promise<string> {
  // @node-rs/argon2's default algorithm is Argon2id; its enum is `const` and cannot be imported here.
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A malformed stored hash is a wrong password, not a server error.
    return false;
  }
}

/** Password policy for new passwords: long enough, not absurdly long (argon2 input is bounded anyway). */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
