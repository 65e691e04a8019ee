/**
 * The wire protocol shared by server and client: the message table, the codec and the field
 * rules. Imports nothing else of the project.
 * @module
 */

export * from "./fields.ts";
export * from "./card.ts";
export * from "./fee.ts";
export * from "./messages.ts";
export * from "./codec.ts";
export * from "./card_mask.ts";
export * from "./redact.ts";
export { readUnquotedInform, type UnquotedInform } from "./inform_unquoted.ts";
export { quoteField, quoteRest, tokenize } from "./tokenize.ts";
export { LineDecoder, MAX_LINE_BYTES, QUIET_LINE_END_MS } from "./lines.ts";
