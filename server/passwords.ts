/**
 * Password hashing: salted PBKDF2-SHA-256 with WebCrypto. Only the hash and salt are kept.
 * @module
 */

const ITERATIONS = 100_000;

/** A password hash and its salt, both base64. */
export interface PasswordHash {
  /** The derived key. */
  hash: string;
  /** The random salt. */
  salt: string;
}

/** Hashes `password` with a fresh random salt (or `saltBase64` to verify against). */
export async function hashPassword(password: string, saltBase64?: string): Promise<PasswordHash> {
  const salt = saltBase64 === undefined
    ? crypto.getRandomValues(new Uint8Array(16))
    : Uint8Array.from(atob(saltBase64), (char) => char.charCodeAt(0));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS },
    key,
    256,
  );
  return { hash: toBase64(new Uint8Array(bits)), salt: toBase64(salt) };
}

/** Compares two strings in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) {
    difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  }
  return difference === 0;
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}
