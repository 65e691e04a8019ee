/**
 * The passwords this client makes up and keeps, so `login` on the same machine needs no typing:
 * one file per auction house (the `--server` address) and user name, in
 * `$XDG_CONFIG_HOME/auction-client/` (else `~/.config/auction-client/`), the folder 0700 and
 * each file 0600. Without the permissions to use that folder, the client asks for a password.
 * @module
 */

/** The folder's name inside the user's configuration folder. */
export const STORE_FOLDER_NAME = "auction-client";

/** The permissions the store needs, for messages that tell the user what to pass. */
export function storePermissionFlags(folder = "${XDG_CONFIG_HOME:-$HOME/.config}/auction-client") {
  return `--allow-env=XDG_CONFIG_HOME,HOME --allow-read=${folder} --allow-write=${folder}`;
}

/** Whether the client may keep passwords, and where; or why not. */
export type PasswordStoreAccess =
  | { available: true; store: PasswordStore }
  | { available: false; reason: string };

/** Passwords by auction house and user name. */
export interface PasswordStore {
  /** Where the passwords are kept (for messages). */
  readonly folder: string;
  /** The password kept for `user` at `server`, if any. */
  get(server: string, user: string): Promise<string | undefined>;
  /** Keeps `password` for `user` at `server` (replacing any). Returns the file's path. */
  save(server: string, user: string, password: string): Promise<string>;
  /**
   * Keeps `password` for `user` at `server` unless one is kept already (another client made
   * one up at the same moment). Returns the file's path, or undefined when one was there.
   */
  create(server: string, user: string, password: string): Promise<string | undefined>;
  /** Forgets the password of `user` at `server`; with `only`, only while it is that one. */
  remove(server: string, user: string, only?: string): Promise<void>;
}

/** How the store reads its surroundings; the defaults are Deno's. */
export interface PasswordStoreEnvironment {
  /** An environment variable, or undefined when unset. */
  env(name: string): string | undefined;
  /** Whether a permission is granted, without prompting. */
  granted(descriptor: Deno.PermissionDescriptor): boolean;
}

const DENO_ENVIRONMENT: PasswordStoreEnvironment = {
  env: (name) => Deno.env.get(name),
  granted: (descriptor) => Deno.permissions.querySync(descriptor).state === "granted",
};

/**
 * The store in the user's configuration folder, when the environment and permissions allow
 * it. Nothing is prompted for: a permission not granted makes the store unavailable.
 */
export function openPasswordStore(
  environment: PasswordStoreEnvironment = DENO_ENVIRONMENT,
): PasswordStoreAccess {
  const variables = ["XDG_CONFIG_HOME", "HOME"];
  if (!variables.every((variable) => environment.granted({ name: "env", variable }))) {
    return {
      available: false,
      reason: `it may not read XDG_CONFIG_HOME and HOME (run it with ${storePermissionFlags()})`,
    };
  }
  const folder = storeFolder(environment.env);
  if (folder === undefined) {
    return { available: false, reason: "neither XDG_CONFIG_HOME nor HOME is set" };
  }
  const access = ["read", "write"] as const;
  if (!access.every((name) => environment.granted({ name, path: folder }))) {
    return {
      available: false,
      reason: `it may not use ${folder} (run it with ${storePermissionFlags(folder)})`,
    };
  }
  return { available: true, store: new FilePasswordStore(folder) };
}

/** `$XDG_CONFIG_HOME/auction-client` (an absolute XDG_CONFIG_HOME only), else `$HOME/.config/...`. */
export function storeFolder(env: (name: string) => string | undefined): string | undefined {
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg !== undefined && xdg.startsWith("/")) return `${trimSlash(xdg)}/${STORE_FOLDER_NAME}`;
  const home = env("HOME");
  if (home === undefined || home === "") return undefined;
  return `${trimSlash(home)}/.config/${STORE_FOLDER_NAME}`;
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** A new password: 24 URL-safe characters from 18 cryptographically random bytes. */
export function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

/** One JSON file per auction house and user: `{ "server", "user", "password" }`. */
export class FilePasswordStore implements PasswordStore {
  readonly folder: string;

  constructor(folder: string) {
    this.folder = folder;
  }

  /** The file of `user` at `server`: `<host>_<port>_<user>.json`, the host percent-encoded. */
  fileOf(server: string, user: string): string {
    const name = encodeURIComponent(server.toLowerCase()).replaceAll("_", "%5F")
      .replace(/%3A(\d+)$/, "_$1");
    return `${this.folder}/${name}_${user.toLowerCase()}.json`;
  }

  async get(server: string, user: string): Promise<string | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.fileOf(server, user));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    const entry = JSON.parse(text) as { password?: unknown };
    return typeof entry.password === "string" ? entry.password : undefined;
  }

  save(server: string, user: string, password: string): Promise<string> {
    return this.#write(server, user, password, (temporary, file) => Deno.rename(temporary, file))
      .then((file) => file!);
  }

  create(server: string, user: string, password: string): Promise<string | undefined> {
    // A hard link fails when the name exists: the file appears whole, or not at all.
    return this.#write(server, user, password, (temporary, file) => Deno.link(temporary, file));
  }

  async remove(server: string, user: string, only?: string): Promise<void> {
    if (only !== undefined && await this.get(server, user) !== only) return;
    await Deno.remove(this.fileOf(server, user)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }

  /** Writes a 0600 temporary file, then `place`s it; undefined when the file already exists. */
  async #write(
    server: string,
    user: string,
    password: string,
    place: (temporary: string, file: string) => Promise<void>,
  ): Promise<string | undefined> {
    await this.#ensureFolder();
    const file = this.fileOf(server, user);
    const temporary = `${file}.${crypto.randomUUID()}.tmp`;
    const text = `${JSON.stringify({ server, user, password })}\n`;
    try {
      await Deno.writeTextFile(temporary, text, { mode: 0o600, createNew: true });
      if (Deno.build.os !== "windows") await Deno.chmod(temporary, 0o600);
      await place(temporary, file);
      return file;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return undefined;
      throw error;
    } finally {
      await Deno.remove(temporary).catch(() => {});
    }
  }

  /** Creates the folder 0700, and tightens it to 0700 when it exists with more. */
  async #ensureFolder(): Promise<void> {
    await Deno.mkdir(this.folder, { recursive: true, mode: 0o700 });
    if (Deno.build.os === "windows") return;
    const info = await Deno.stat(this.folder);
    if (info.mode !== null && (info.mode & 0o777) !== 0o700) {
      await Deno.chmod(this.folder, 0o700);
    }
  }
}
