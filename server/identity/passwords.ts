/**
 * Password hashing: salted PBKDF2-SHA-256 at OWASP's 600,000 iterations with WebCrypto, whose
 * `deriveBits` runs on a thread of Deno's runtime, off the event loop (measured by
 * `tests/server/identity/passwords_test.ts`). Admission: at most one hash in flight (waiting or running)
 * per IP and twice the cores in all; over that, {@linkcode ServerBusyError} at once. Of those, at
 * most cores - 1 run at a time, first come first served, so one core is always left for the event
 * loop and no single IP can hold every slot: a new request of an IP goes behind the others.
 * Only the hash, salt and iteration count are kept.
 * @module
 */

/** Iterations of every new hash (OWASP 2023 for PBKDF2-HMAC-SHA256). */
export const PASSWORD_ITERATIONS = 600_000;
// What the state records of a password is the domain's (upgraded at LOGIN when legacy).
export { LEGACY_ITERATIONS, type PasswordHash } from "../../auction/password_record.ts";
import type { PasswordHash } from "../../auction/password_record.ts";

/** Derives 256 bits from `password` and `salt`: the seam a test replaces with a fast fake. */
export type DeriveBits = (
  password: string,
  salt: Uint8Array,
  iterations: number,
) => Promise<Uint8Array>;

/** PBKDF2-HMAC-SHA256 through WebCrypto (off the event loop in Deno). */
export const pbkdf2Sha256: DeriveBits = async (password, salt, iterations) => {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
};

/** Thrown when hashing is over capacity: the request is refused at once, never remembered. */
export class ServerBusyError extends Error {
  constructor() {
    super("Server busy: try again");
    this.name = "ServerBusyError";
  }
}

/** What {@linkcode PasswordHasher.verify} found. */
export interface Verdict {
  /** Whether the password matches the stored hash (always false without one). */
  match: boolean;
  /** A fresh hash at today's iterations, when the stored one was weaker and matched. */
  upgraded?: PasswordHash;
}

/** What {@linkcode PasswordHasher.verify} checks a password against, for whom. */
export interface VerifyOptions {
  /** The stored hash; undefined for an unknown name (a dummy hash of the same cost is made). */
  stored: PasswordHash | undefined;
  /** The IP of the request (one hash in flight per IP). */
  ip: string;
}

/** Options of {@linkcode PasswordHasher}. */
export interface PasswordHasherOptions {
  /** The key derivation. @default pbkdf2Sha256 */
  derive?: DeriveBits;
  /** Iterations of new hashes. @default PASSWORD_ITERATIONS */
  iterations?: number;
  /** Most hashes in flight (waiting or running), every IP together. @default 2 x cores, at least 2 */
  maxInFlight?: number;
  /** Most hashes running at once. @default cores - 1, at least 1: a core stays with the loop */
  maxRunning?: number;
}

/** Hashes and checks passwords, admitting at most one hash per IP and a few in all. */
export class PasswordHasher {
  readonly #derive: DeriveBits;
  readonly #iterations: number;
  readonly #maxInFlight: number;
  readonly #maxRunning: number;
  readonly #busyIps = new Set<string>();
  /** Hashes admitted but waiting for a running slot, in arrival order. */
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  constructor(options: PasswordHasherOptions = {}) {
    const cores = coreCount();
    this.#derive = options.derive ?? pbkdf2Sha256;
    this.#iterations = options.iterations ?? PASSWORD_ITERATIONS;
    this.#maxInFlight = options.maxInFlight ?? Math.max(2, 2 * cores);
    this.#maxRunning = options.maxRunning ?? Math.max(1, cores - 1);
  }

  /** Hashes in flight (waiting or running). */
  get inFlight(): number {
    return this.#busyIps.size;
  }

  /** Hashes running. */
  get running(): number {
    return this.#running;
  }

  /** Hashes `password` with a fresh salt for a request from `ip`. Throws ServerBusyError. */
  hash(password: string, ip: string): Promise<PasswordHash> {
    return this.#admitted(ip, () => this.#fresh(password));
  }

  /**
   * Checks `password` against `stored` for a request from `ip`, in about the time of one hash
   * at today's iterations whether the name exists or not: without a stored hash a dummy one is
   * computed, and a weaker stored hash is topped up (or upgraded when it matches).
   * Throws ServerBusyError.
   */
  verify(password: string, against: VerifyOptions): Promise<Verdict> {
    const { stored, ip } = against;
    return this.#admitted(ip, async () => {
      const target = stored ?? { ...DUMMY, iterations: this.#iterations };
      const derived = toBase64(
        await this.#derive(password, fromBase64(target.salt), target.iterations),
      );
      const match = stored !== undefined && constantTimeEqual(derived, stored.hash);
      const missing = this.#iterations - target.iterations;
      if (match && missing > 0) return { match, upgraded: await this.#fresh(password) };
      if (missing > 0) await this.#derive(password, fromBase64(DUMMY.salt), missing);
      return { match };
    });
  }

  async #fresh(password: string): Promise<PasswordHash> {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const bits = await this.#derive(password, salt, this.#iterations);
    return { hash: toBase64(bits), salt: toBase64(salt), iterations: this.#iterations };
  }

  async #admitted<T>(ip: string, work: () => Promise<T>): Promise<T> {
    if (this.#busyIps.has(ip) || this.#busyIps.size >= this.#maxInFlight) {
      throw new ServerBusyError();
    }
    this.#busyIps.add(ip);
    try {
      // A finished hash hands its running slot straight to the first one waiting.
      if (this.#running < this.#maxRunning) this.#running++;
      else await new Promise<void>((start) => this.#waiting.push(start));
      try {
        return await work();
      } finally {
        const next = this.#waiting.shift();
        if (next) next();
        else this.#running--;
      }
    } finally {
      this.#busyIps.delete(ip);
    }
  }
}

/** The salt and count an unknown name is "checked" against, so it takes as long as a known one. */
const DUMMY: PasswordHash = {
  hash: "",
  salt: "ZHVtbXktc2FsdC1mb3ItdW5rbm93bg==",
  iterations: PASSWORD_ITERATIONS,
};

function coreCount(): number {
  return (typeof navigator === "undefined" ? undefined : navigator.hardwareConcurrency) ?? 1;
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

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
