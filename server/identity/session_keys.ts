/**
 * Session keys (PROTOCOL.md, "Who may act for a user"): 128 random bits given to a password
 * account at REGISTER and LOGIN, sent back on every later request. The state and the journal
 * keep only a SHA-256 of the key.
 * @module
 */

import { createHash } from "node:crypto";
import { constantTimeEqual } from "./passwords.ts";

/** A fresh key, as sent (32 lower-case hex digits), and the hash the state keeps. */
export function newSessionKey(): { key: string; keyHash: string } {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const key = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return { key, keyHash: sessionKeyHash(key) };
}

/** The SHA-256 of a key, as 64 hex digits (what the state keeps). */
export function sessionKeyHash(key: string): string {
  return createHash("sha256").update(key.toLowerCase()).digest("hex");
}

/** Whether `key` (as the request carried it, or undefined) is the one whose hash is `keyHash`. */
export function sessionKeyMatches(keyHash: string, key: string | undefined): boolean {
  return key !== undefined && constantTimeEqual(sessionKeyHash(key), keyHash);
}
