/**
 * A user's password as the state records it: hash, salt and iterations, read back with the
 * count that hashes made before the count was recorded used.
 * @module
 */

import type { User } from "./state.ts";

/** Iterations of hashes made before the count was recorded (stored without one). */
export const LEGACY_ITERATIONS = 100_000;

/** A stored password: hash and salt (base64) and the iteration count that made the hash. */
export interface PasswordHash {
  /** The derived key, base64. */
  hash: string;
  /** The random salt, base64. */
  salt: string;
  /** PBKDF2 iterations. */
  iterations: number;
}

/** The password `user` has, or `undefined` for an account without one. */
export function storedPasswordOf(user: User | undefined): PasswordHash | undefined {
  if (user?.passwordHash === undefined) return undefined;
  return {
    hash: user.passwordHash,
    salt: user.passwordSalt ?? "",
    iterations: user.passwordIterations ?? LEGACY_ITERATIONS,
  };
}
