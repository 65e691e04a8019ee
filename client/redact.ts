/**
 * Card numbers kept off the screen, out of logs, history and JSON records. The rule lives in
 * `protocol/redact.ts`, shared with the server: any card-like number (12 or more digits in
 * groups separated by spaces, dashes or dots) is masked to its last four digits, separators
 * kept so the length is too.
 * @module
 */

export { containsCardNumber, maskCardNumbers, redactSecrets } from "../protocol/redact.ts";
