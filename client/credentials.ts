/**
 * Which password REGISTER and LOGIN carry when the user typed none: the one kept for this
 * auction house and user, a new one made up and kept (REGISTER), or, when the client cannot
 * keep passwords, one the shell asks for. The scripted mode cannot ask: it gets an error that
 * says what to pass.
 * @module
 */

import { parsePassword } from "../protocol/mod.ts";
import type { Ask, ClientEvent } from "./output.ts";
import { generatePassword, type PasswordStoreAccess } from "./password_store.ts";

/** The auction house a password belongs to: the `--server` address, `host:port` (`[v6]:port`). */
export function auctionHouse(server: { serverHost: string; serverPort: number }): string {
  const host = server.serverHost.toLowerCase();
  return `${host.includes(":") ? `[${host}]` : host}:${server.serverPort}`;
}

/** A password to send, and the file it was just kept in (a new one); or why there is none. */
export type PasswordChoice =
  | { password: string; keptIn?: string }
  | { error: string };

/** What choosing a password may use. */
export interface PasswordContext {
  /** The auction house: the `--server` address as `host:port`. */
  readonly server: string;
  readonly access: PasswordStoreAccess;
  /** Asks the person at the shell; undefined in the scripted mode. */
  readonly ask: Ask | undefined;
  report(event: ClientEvent): void;
}

/** The password for `REGISTER name`: the kept one, else a new one, kept before it is sent. */
export async function passwordForRegister(
  name: string,
  context: PasswordContext,
): Promise<PasswordChoice> {
  let reason: string;
  if (context.access.available) {
    const store = context.access.store;
    try {
      const kept = await store.get(context.server, name);
      if (kept !== undefined) return { password: kept };
      const password = generatePassword();
      const file = await store.create(context.server, name, password);
      if (file !== undefined) return { password, keptIn: file };
      // Another client made one up for this name at the same moment: use the one kept.
      const theirs = await store.get(context.server, name);
      if (theirs !== undefined) return { password: theirs };
      throw new Error("the password file came and went");
    } catch (error) {
      reason = `it cannot use ${store.folder}: ${(error as Error).message}`;
    }
  } else {
    reason = context.access.reason;
  }
  if (!context.ask) {
    return {
      error: `register needs a password, and this client cannot keep one: ${reason}. ` +
        `Or pass --password PASSWORD, or write "register NAME ROLE PASSWORD".`,
    };
  }
  context.report({ type: "password", action: "not_kept", user: name, reason });
  return {
    password: await context.ask(`Choose a password for ${name}: `, parsePassword, { secret: true }),
  };
}

/** The password for `LOGIN name`: the one kept for it, else the shell asks. */
export async function passwordForLogin(
  name: string,
  context: PasswordContext,
): Promise<PasswordChoice> {
  let where: string;
  if (context.access.available) {
    const store = context.access.store;
    try {
      const kept = await store.get(context.server, name);
      if (kept !== undefined) return { password: kept };
      where = `none is kept for ${name} at ${context.server} in ${store.folder}`;
    } catch (error) {
      where = `this client cannot read ${store.folder}: ${(error as Error).message}`;
    }
  } else {
    where = `this client cannot keep passwords: ${context.access.reason}`;
  }
  if (!context.ask) {
    return {
      error: `login needs ${name}'s password: ${where}. ` +
        `Pass --password PASSWORD, or write "login NAME PASSWORD".`,
    };
  }
  return {
    password: await context.ask(`Password for ${name} at ${context.server}: `, parsePassword, {
      secret: true,
    }),
  };
}
