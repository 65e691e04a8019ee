/**
 * Who the client is at the server: the name and role of the latest REGISTER or LOGIN, the
 * session key its reply gave (sent on every request), and the password the session was made
 * with (for a LOGIN at another node; never logged).
 * @module
 */

import type { Role } from "../protocol/mod.ts";

/** What REGISTER or LOGIN tells about who this client is (see `ShellContext.setIdentity`). */
export interface Identity {
  name: string | undefined;
  role?: Role;
  key?: string;
  password?: string;
}

/** The identity of the client's session. */
export class SessionIdentity {
  #name?: string;
  #role?: Role;
  /** The session key of the latest REGISTERED or LOGIN_SUCCESS, sent on every request. */
  #key?: string;
  /** The password the session was made with, for a LOGIN at another node; never logged. */
  #password?: string;

  /** The name registered or logged in with, if any. */
  get name(): string | undefined {
    return this.#name;
  }

  /** The role, once a REGISTER or LOGIN told it. */
  get role(): Role | undefined {
    return this.#role;
  }

  /** `request` with the session key, if there is one: every request of the session carries it. */
  withKey<R extends object>(request: R): R | R & { key: string } {
    const key = this.#key;
    return key === undefined ? request : { ...request, key };
  }

  /** Records who this client is; a role left out stays as it was, a password needs a name. */
  set(identity: Identity): void {
    this.#name = identity.name;
    if ("role" in identity) this.#role = identity.role;
    this.#key = identity.key;
    this.#password = identity.name === undefined ? undefined : identity.password;
  }

  /** A LOGIN at another node gave a new session key. */
  loggedIn(key: string | undefined): void {
    this.#key = key;
  }

  /** The name and password a LOGIN at another node needs, once both are known. */
  credentials(): { name: string; password: string } | undefined {
    const name = this.#name;
    const password = this.#password;
    return name === undefined || password === undefined ? undefined : { name, password };
  }
}
