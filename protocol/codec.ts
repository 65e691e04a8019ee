/**
 * The codec: bytes or a line in, a typed {@linkcode Message} out, and back.
 * Pure: no I/O, no clock, no logging.
 * @module
 */

import {
  clip,
  formatDuration,
  formatPrice,
  MAX_INTEGER_DIGITS,
  MAX_REQUEST_BYTES,
  parseDescription,
  parseDuration,
  parseInteger,
  parseIp,
  parseItemName,
  parsePassword,
  parsePort,
  parsePrice,
  parseRole,
  parseSessionKey,
  parseText,
  parseUserName,
  ProtocolError,
} from "./fields.ts";
import { parseCardExpiry, parseCardLast4, parseCardNumber } from "./card.ts";
import {
  type FieldKind,
  type FieldKinds,
  lookupMessageType,
  type Message,
  type MessageOf,
  MESSAGES,
  type MessageType,
} from "./messages.ts";
import { quoteField, quoteRest, tokenize } from "./tokenize.ts";
import { fieldLabel } from "./field_labels.ts";
import { isAscii, isDigits, isSpaceOrTab, isWhiteSpace } from "./char_codes.ts";

/** A message that could not be decoded, with what was known of it for the refusal. */
export class DecodeError extends ProtocolError {
  /** The message type, when the name was recognised. */
  readonly type?: MessageType;
  /** The RQ#, or 0 when the message had none that could be read. */
  readonly rq: number;
  constructor(message: string, options: { type?: MessageType; rq?: number; field?: string }) {
    super(message, options.field);
    this.name = "DecodeError";
    this.type = options.type;
    this.rq = options.rq ?? 0;
  }
}

const FIELD_PARSERS: { [K in FieldKind]: (text: string, field: string) => FieldKinds[K] } = {
  user: parseUserName,
  item: parseItemName,
  desc: parseDescription,
  price: parsePrice,
  duration: parseDuration,
  int: parseInteger,
  port: parsePort,
  ip: parseIp,
  role: parseRole,
  password: parsePassword,
  text: parseText,
  rest: parseText,
  roleTag: (text, field) => {
    const match = /^role=(.*)$/i.exec(text);
    if (!match) throw new ProtocolError(`Invalid ${field}: use role=<role>`, field);
    return parseRole(match[1] ?? "", field);
  },
  reject: (text, field) => {
    if (text.toUpperCase() !== "REJECT") {
      throw new ProtocolError(`Invalid ${field}: the only answer is REJECT`, field);
    }
    return "REJECT";
  },
  card: parseCardNumber,
  expiry: parseCardExpiry,
  sessionKey: parseSessionKey,
  last4: parseCardLast4,
};

const FIELD_FORMATTERS: { [K in FieldKind]: (value: FieldKinds[K]) => string } = {
  user: quoteField,
  item: quoteField,
  desc: quoteField,
  price: formatPrice,
  duration: formatDuration,
  int: String,
  port: String,
  ip: quoteField,
  role: (role) => role,
  password: quoteField,
  text: quoteField,
  rest: quoteRest,
  roleTag: (role) => `role=${role}`,
  reject: () => "REJECT",
  card: quoteField,
  expiry: ({ month, year }) =>
    `${String(month).padStart(2, "0")}/${String(year % 100).padStart(2, "0")}`,
  sessionKey: (key) => `key=${key}`,
  last4: String,
};

const FATAL_UTF8 = new TextDecoder("utf-8", { fatal: true });
const LENIENT_UTF8 = new TextDecoder("utf-8");
const UTF8 = new TextEncoder();

/** Decodes one UDP datagram: at most 1024 bytes of valid UTF-8 holding one message. */
export function decodeDatagram(bytes: Uint8Array, maxBytes = MAX_REQUEST_BYTES): Message {
  return decodeDatagramText(datagramText(bytes, maxBytes));
}

/** The text of a datagram: at most `maxBytes` of valid UTF-8, else a {@linkcode DecodeError}. */
export function datagramText(bytes: Uint8Array, maxBytes = MAX_REQUEST_BYTES): string {
  if (bytes.byteLength > maxBytes) {
    throw new DecodeError(`Request too long: at most ${maxBytes} bytes`, headOf(bytes));
  }
  // Requests are ASCII as a rule: one of at most MAX_REQUEST_BYTES is read by char code, with
  // no call out of JavaScript (and no more arguments than a call takes).
  if (bytes.length <= MAX_REQUEST_BYTES && isAscii(bytes)) {
    return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return FATAL_UTF8.decode(bytes);
  } catch {
    throw new DecodeError("Request is not valid UTF-8", headOf(bytes));
  }
}

/** Decodes the text of one datagram (from {@linkcode datagramText}): one message, one newline at most. */
export function decodeDatagramText(text: string): Message {
  // One trailing `\n` or `\r\n` dropped, found by char code (no regular expression per request).
  let end = text.length;
  if (text.charCodeAt(end - 1) === 0x0a) end -= text.charCodeAt(end - 2) === 0x0d ? 2 : 1;
  return decodeLine(end === text.length ? text : text.slice(0, end));
}

/** The name and RQ# at the start of a datagram that cannot be decoded, so its refusal can echo them. */
function headOf(bytes: Uint8Array): { type?: MessageType; rq?: number } {
  const start = LENIENT_UTF8.decode(bytes.subarray(0, 64));
  const head = /^[ \t]*(\S+)(?:[ \t]+(\d{1,15})(?![^ \t\r\n]))?/.exec(start);
  if (!head) return {};
  return {
    type: lookupMessageType(head[1] ?? ""),
    rq: head[2] === undefined ? 0 : Number(head[2]),
  };
}

/** Decodes one line (no newline) into a typed message, or throws a {@linkcode DecodeError}. */
export function decodeLine(line: string): Message {
  // The head is `^[ \t]*(\S+)(?:[ \t]+(\S+))?`, scanned by char code (every request comes here).
  let index = 0;
  while (index < line.length && isSpaceOrTab(line.charCodeAt(index))) index++;
  const nameStart = index;
  while (index < line.length && !isWhiteSpace(line.charCodeAt(index))) index++;
  if (index === nameStart) throw new DecodeError("Empty message", {});
  const name = line.slice(nameStart, index);
  let headEnd = index;
  let rqText: string | undefined;
  while (index < line.length && isSpaceOrTab(line.charCodeAt(index))) index++;
  if (index > headEnd) {
    const rqStart = index;
    while (index < line.length && !isWhiteSpace(line.charCodeAt(index))) index++;
    if (index > rqStart) {
      rqText = line.slice(rqStart, index);
      headEnd = index;
    }
  }
  const type = lookupMessageType(name);
  const rqValid = rqText !== undefined && isDigits(rqText, MAX_INTEGER_DIGITS);
  const rq = rqValid ? Number(rqText) : 0;
  if (!type) {
    throw new DecodeError(`Unknown message "${clip(name.slice(0, 32))}"`, { rq });
  }
  if (rqText === undefined) throw new DecodeError(`${type} needs an RQ#`, { type });
  try {
    // Its refusal (the RQ# was read with the same rule just above).
    if (!rqValid) parseInteger(rqText, "RQ#");
    return decodeFields(type, rq, line.slice(headEnd));
  } catch (error) {
    if (error instanceof DecodeError || !(error instanceof ProtocolError)) throw error;
    throw new DecodeError(error.message, { type, rq, field: error.field });
  }
}

/** One field of a message after RQ#, as the table declares it. */
interface FieldSpec {
  key: string;
  kind: FieldKind;
  optional: boolean;
  /** Its name in error messages. */
  label: string;
}

/** The fields of each message type, in wire order, and where a `rest` field is (or -1). */
interface MessageSpec {
  fields: readonly FieldSpec[];
  restIndex: number;
}

/** Read from `MESSAGES` once, not per message (every request and reply goes through here). */
const MESSAGE_SPECS = new Map<string, MessageSpec>();

/** The fields of message `type` after RQ#, in wire order. */
function messageSpec(type: MessageType): MessageSpec {
  let spec = MESSAGE_SPECS.get(type);
  if (!spec) {
    const fields = Object.entries(MESSAGES[type].fields as Record<string, string>)
      .map(([key, declared]) => {
        const optional = declared.endsWith("?");
        const kind = (optional ? declared.slice(0, -1) : declared) as FieldKind;
        return { key, kind, optional, label: fieldLabel(key) };
      });
    spec = { fields, restIndex: fields.findIndex((field) => field.kind === "rest") };
    MESSAGE_SPECS.set(type, spec);
  }
  return spec;
}

function decodeFields(type: MessageType, rq: number, rest: string): Message {
  const { fields: specs, restIndex } = messageSpec(type);
  const tokens = tokenize(rest, restIndex < 0 ? undefined : restIndex);
  const message: Record<string, unknown> = { type, rq };
  let next = 0;
  for (let index = 0; index < specs.length; index++) {
    const { key, kind, optional, label } = specs[index]!;
    const token = tokens[next];
    if (token === undefined) {
      if (optional) continue;
      throw new ProtocolError(`${type} is missing ${label}`, label);
    }
    // The session key ends a request only as `key=...`; any other token there is one too many.
    if (kind === "sessionKey" && !/^key=/i.test(token)) continue;
    const parse = FIELD_PARSERS[kind] as (text: string, field: string) => unknown;
    if (optional && index < specs.length - 1) {
      try {
        message[key] = parse(token, label);
        next++;
      } catch {
        // A token that does not fit may be the next optional field (LOGIN Name [Port] [Pwd]).
      }
      continue;
    }
    message[key] = parse(token, label);
    next++;
  }
  if (next < tokens.length) {
    throw new ProtocolError(`${type} has too many fields (${tokens.length} for ${specs.length})`);
  }
  return message as unknown as Message;
}

const TRAILING_SESSION_KEY = /[ \t]+key=\S*[ \t]*(\r?\n)?$/i;

/**
 * A request line without its trailing `key=` field: repeats are compared without it
 * (PROTOCOL.md, "Reliability"), so a client that moved to a new key resends the same request.
 */
export function withoutSessionKey(line: string): string {
  // A line without `=` has no key field (most requests): no regular expression run for it.
  return line.includes("=") ? line.replace(TRAILING_SESSION_KEY, "") : line;
}

/** Encodes a message as one line, without the newline. */
export function encodeMessage(message: Message): string {
  // Concatenated, not an array joined (a join cost more than the rest): every reply and push.
  let line = message.type + " " + message.rq;
  const values = message as unknown as Record<string, unknown>;
  const fields = messageSpec(message.type).fields;
  for (let index = 0; index < fields.length; index++) {
    const { key, kind } = fields[index]!;
    const value = values[key];
    if (value === undefined) continue;
    const format = FIELD_FORMATTERS[kind] as (value: unknown) => string;
    line += " " + format(value);
  }
  return line;
}

/** Encodes a message as UTF-8 bytes for a datagram. */
export function encodeDatagram(message: Message): Uint8Array {
  return UTF8.encode(encodeMessage(message));
}

/** Builds a message of type `N` with its fields; a typed shorthand for literals. */
export function message<N extends MessageType>(
  type: N,
  rq: number,
  fields: Omit<MessageOf<N>, "type" | "rq">,
): MessageOf<N> {
  return { type, rq, ...fields } as MessageOf<N>;
}
