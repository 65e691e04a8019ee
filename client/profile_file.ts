/**
 * The payment profile from a file (`--profile FILE`), so the card number need not be typed on
 * a command line, where `ps` shows it and `deno task` echoes it. The file is JSON with any of
 * `fullName`, `card`, `exp` (MM/YY) and `address`, and must be readable by its owner only.
 * @module
 */

import { PAYMENT_DETAILS, type PaymentProfile } from "./payment.ts";
import { maskCardNumbers } from "../protocol/mod.ts";

/** A profile file that cannot be used; the message says why and what to do. */
export class ProfileFileError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "ProfileFileError";
  }
}

/** The file's keys and the profile detail each one gives. */
const KEYS: Readonly<Record<string, keyof PaymentProfile>> = {
  fullName: "fullName",
  card: "card",
  exp: "expiry",
  address: "address",
};

/** Reads and checks the profile file at `path`. Throws {@linkcode ProfileFileError}. */
export function readProfileFile(path: string): PaymentProfile {
  let text: string;
  try {
    const info = Deno.statSync(path);
    const othersMayRead = (info.mode ?? 0) & 0o077;
    if (Deno.build.os !== "windows" && othersMayRead) {
      const mode = ((info.mode ?? 0) & 0o777).toString(8);
      throw new ProfileFileError(
        `--profile ${path} can be read by other users (mode ${mode}): run chmod 600 ${path}`,
      );
    }
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof ProfileFileError) throw error;
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      // `deno task client` reads only the project folder (and the password folder), and a
      // task takes no extra permission: say what works under it and under the bundle.
      throw new ProfileFileError(
        `Cannot read --profile ${path}: this client may not read it. Move the file into the ` +
          "project folder (deno task client may read it there, chmod 600 kept), or run the " +
          `bundle with ${path} added to its --allow-read (docs/client.md, "Builds").`,
      );
    }
    throw new ProfileFileError(`Cannot read --profile ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message may quote the file, card included.
    throw new ProfileFileError(`--profile ${path} is not valid JSON`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ProfileFileError(`--profile ${path} must hold one JSON object`);
  }
  const profile: PaymentProfile = {};
  for (const [key, value] of Object.entries(data)) {
    const detail = KEYS[key];
    if (detail === undefined) {
      throw new ProfileFileError(
        `--profile ${path}: unknown key "${key}" (use ${Object.keys(KEYS).join(", ")})`,
      );
    }
    if (typeof value !== "string") {
      throw new ProfileFileError(`--profile ${path}: "${key}" must be a string`);
    }
    try {
      Object.assign(profile, {
        [detail]: PAYMENT_DETAILS[detail].parse(value, `"${key}" in ${path}`),
      });
    } catch (error) {
      throw new ProfileFileError(maskCardNumbers((error as Error).message));
    }
  }
  return profile;
}
