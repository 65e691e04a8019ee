/**
 * Keeping secrets out of the server's logs: the one rule of `protocol/redact.ts` (cards with any
 * separators, expiry dates, passwords of REGISTER and LOGIN however malformed, session keys,
 * INFORM_Res however spelled), under the name the server's modules use.
 * @module
 */

import { type RedactOptions, redactSecrets } from "../protocol/redact.ts";

export { secretsOf } from "../protocol/redact.ts";

/** A line (or reason) made safe to log: no card number, expiry, password or session key. */
export function redactLine(line: string, options?: RedactOptions): string {
  return redactSecrets(line, options);
}
