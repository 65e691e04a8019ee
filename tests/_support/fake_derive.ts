/**
 * A fast stand-in for PBKDF2 in unit tests: SHA-256 of the iterations, salt and password, so
 * hashes differ exactly when a real derivation's would, and it records each call.
 * @module
 */

import { createHash } from "node:crypto";
import type { DeriveBits } from "../../server/identity/passwords.ts";

/** One call of the fake derivation. */
export interface DeriveCall {
  password: string;
  iterations: number;
}

/** A fake derivation and the calls it received. */
export function fakeDerive(): DeriveBits & { calls: DeriveCall[] } {
  const calls: DeriveCall[] = [];
  const derive = (password: string, salt: Uint8Array, iterations: number) => {
    calls.push({ password, iterations });
    const digest = createHash("sha256").update(`${iterations}:`).update(salt).update(password)
      .digest();
    return Promise.resolve(new Uint8Array(digest));
  };
  return Object.assign(derive, { calls });
}
