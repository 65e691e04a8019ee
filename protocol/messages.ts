/**
 * The message table of PROTOCOL.md as data: every message, its exact spelling, who sends it,
 * and its fields in order. The codec and the types are derived from this one table.
 * @module
 */

import type { CardExpiry } from "./card.ts";
import type { Duration, Role } from "./fields.ts";

/** What each field kind decodes to. */
export interface FieldKinds {
  user: string;
  item: string;
  desc: string;
  price: number;
  duration: Duration;
  int: number;
  port: number;
  ip: string;
  role: Role;
  password: string;
  text: string;
  rest: string;
  roleTag: Role;
  reject: "REJECT";
  card: string;
  expiry: CardExpiry;
  sessionKey: string;
  last4: string;
}

/** A field kind; a trailing `?` makes the field optional. */
export type FieldKind = keyof FieldKinds;
type FieldSpec = FieldKind | `${FieldKind}?`;

/** One row of the table. */
export interface MessageSpec {
  /** Who sends it: a client to the server, or the server to a client. */
  readonly from: "client" | "server";
  /** The transport it travels on. */
  readonly over: "udp" | "tcp";
  /** Fields after RQ#, in wire order. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /**
   * A server message over UDP: a `reply` to a request by its RQ#, a `refusal` (also a reply),
   * or a `push` the server sends on its own with a server RQ#.
   */
  readonly role?: "reply" | "refusal" | "push";
  /** A request: the message that answers its success; without one only a refusal comes back. */
  readonly answer?: string;
  /** A request: its own refusal; a request without one is refused with `DENIED`. */
  readonly refusal?: string;
}

/** Every message of the protocol, keyed by its exact spelling. */
export const MESSAGES = {
  "REGISTER": {
    from: "client",
    over: "udp",
    answer: "REGISTERED",
    refusal: "REGISTER-DENIED",
    fields: {
      name: "user",
      role: "role",
      ip: "ip",
      udpPort: "port",
      tcpPort: "port",
      password: "password?",
      key: "sessionKey?",
    },
  },
  "REGISTERED": { from: "server", over: "udp", role: "reply", fields: { key: "sessionKey?" } },
  "REGISTER-DENIED": { from: "server", over: "udp", role: "refusal", fields: { reason: "rest" } },
  "LOGIN": {
    from: "client",
    over: "udp",
    answer: "LOGIN_SUCCESS",
    refusal: "LOGIN-FAILED",
    fields: { name: "user", tcpPort: "port?", password: "password?", key: "sessionKey?" },
  },
  "LOGIN_SUCCESS": {
    from: "server",
    over: "udp",
    role: "reply",
    fields: { role: "roleTag", key: "sessionKey?" },
  },
  "LOGIN-FAILED": { from: "server", over: "udp", role: "refusal", fields: { reason: "rest" } },
  "DE-REGISTER": { from: "client", over: "udp", fields: { name: "user", key: "sessionKey?" } },
  "LIST_ITEM": {
    from: "client",
    over: "udp",
    answer: "ITEM_LISTED",
    refusal: "LIST-DENIED",
    fields: {
      item: "item",
      description: "desc",
      startPrice: "price",
      duration: "duration",
      seller: "user?",
      key: "sessionKey?",
    },
  },
  "ITEM_LISTED": { from: "server", over: "udp", role: "reply", fields: {} },
  "LIST-DENIED": { from: "server", over: "udp", role: "refusal", fields: { reason: "rest" } },
  "SUBSCRIBE": {
    from: "client",
    over: "udp",
    answer: "SUBSCRIBED",
    refusal: "SUBSCRIPTION-DENIED",
    fields: { item: "item", buyer: "user?", key: "sessionKey?" },
  },
  "SUBSCRIBED": { from: "server", over: "udp", role: "reply", fields: {} },
  "SUBSCRIPTION-DENIED": {
    from: "server",
    over: "udp",
    role: "refusal",
    fields: { reason: "rest" },
  },
  "DE-SUBSCRIBE": {
    from: "client",
    over: "udp",
    fields: { item: "item", buyer: "user?", key: "sessionKey?" },
  },
  "BID": {
    from: "client",
    over: "udp",
    answer: "BID_ACCEPTED",
    refusal: "BID_REJECTED",
    fields: { item: "item", amount: "price", key: "sessionKey?" },
  },
  "BID_ACCEPTED": { from: "server", over: "udp", role: "reply", fields: {} },
  "BID_REJECTED": { from: "server", over: "udp", role: "refusal", fields: { reason: "rest" } },
  "ACCEPT": {
    from: "client",
    over: "udp",
    answer: "PRICE_ADJUSTMENT",
    fields: { item: "item", newPrice: "price", key: "sessionKey?" },
  },
  "REFUSE": {
    from: "client",
    over: "udp",
    fields: { item: "item", decision: "reject", key: "sessionKey?" },
  },
  "PING": { from: "client", over: "udp", answer: "PONG", fields: { key: "sessionKey?" } },
  "PONG": { from: "server", over: "udp", role: "reply", fields: {} },
  "DENIED": { from: "server", over: "udp", role: "refusal", fields: { reason: "rest" } },
  "AUCTION_ANNOUNCE": {
    from: "server",
    over: "udp",
    role: "push",
    fields: { item: "item", description: "desc", currentPrice: "price", timeLeft: "int" },
  },
  "BID_UPDATE": {
    from: "server",
    over: "udp",
    role: "push",
    fields: { item: "item", highestBid: "price", bidder: "user", timeLeft: "int" },
  },
  "NEGOTIATE_REQ": {
    from: "server",
    over: "udp",
    role: "push",
    fields: { item: "item", currentPrice: "price", timeLeft: "int" },
  },
  "PRICE_ADJUSTMENT": {
    from: "server",
    over: "udp",
    role: "push",
    fields: { item: "item", newPrice: "price", timeLeft: "int" },
  },
  "WINNER": {
    from: "server",
    over: "tcp",
    fields: { item: "item", finalPrice: "price", seller: "user" },
  },
  "SOLD": {
    from: "server",
    over: "tcp",
    fields: { item: "item", finalPrice: "price", buyer: "user" },
  },
  "NON_OFFER": { from: "server", over: "tcp", fields: { item: "item" } },
  "INFORM_Req": { from: "server", over: "tcp", fields: { item: "item", finalPrice: "price" } },
  "INFORM_Res": {
    from: "client",
    over: "tcp",
    fields: { name: "text", card: "card", expiry: "expiry", address: "rest" },
  },
  "CANCEL": { from: "server", over: "tcp", fields: { reason: "rest" } },
  "Shipping_Info": { from: "server", over: "tcp", fields: { name: "text", address: "rest" } },
  "PAID": {
    from: "server",
    over: "tcp",
    fields: { item: "item", finalPrice: "price", cardLast4: "last4" },
  },
} as const satisfies Record<string, MessageSpec>;

/** A message name exactly as the table spells it. */
export type MessageType = keyof typeof MESSAGES;

type Spec<N extends MessageType> = (typeof MESSAGES)[N]["fields"];
type RequiredFields<F> = {
  -readonly [K in keyof F as F[K] extends FieldKind ? K : never]: F[K] extends FieldKind
    ? FieldKinds[F[K]]
    : never;
};
type OptionalFields<F> = {
  -readonly [K in keyof F as F[K] extends FieldKind ? never : K]?: F[K] extends
    `${infer Base extends FieldKind}?` ? FieldKinds[Base] : never;
};

/** The decoded form of message `N`: its type, RQ# and typed fields. */
export type MessageOf<N extends MessageType> =
  & { type: N; rq: number }
  & RequiredFields<Spec<N>>
  & OptionalFields<Spec<N>>;

/** Any message of the protocol. */
export type Message = { [N in MessageType]: MessageOf<N> }[MessageType];

/** Message types a client sends to the server. */
export type ClientMessageType = {
  [N in MessageType]: (typeof MESSAGES)[N]["from"] extends "client" ? N : never;
}[MessageType];

/** Message types the server sends to clients. */
export type ServerMessageType = Exclude<MessageType, ClientMessageType>;

/** A message the server sends. */
export type ServerMessage = { [N in ServerMessageType]: MessageOf<N> }[ServerMessageType];

/** A message a client sends. */
export type ClientMessage = { [N in ClientMessageType]: MessageOf<N> }[ClientMessageType];

const ROWS = Object.entries(MESSAGES) as [MessageType, MessageSpec][];

/** The types whose row matches `test`. */
function typesWhere(test: (spec: MessageSpec) => boolean): ReadonlySet<string> {
  return new Set(ROWS.filter(([, spec]) => test(spec)).map(([type]) => type));
}

/** The refusal each request's row of the table names; other requests get `DENIED`. */
export const REFUSAL_OF: Partial<Record<MessageType, ServerMessageType>> = Object.fromEntries(
  ROWS.flatMap(([type, spec]) => spec.refusal === undefined ? [] : [[type, spec.refusal]]),
);

/** Messages that answer a request by its RQ#: replies and refusals. */
export const REPLY_TYPES: ReadonlySet<string> = typesWhere((spec) =>
  spec.role === "reply" || spec.role === "refusal"
);

/** Replies that are refusals. */
export const REFUSAL_TYPES: ReadonlySet<string> = typesWhere((spec) => spec.role === "refusal");

/** Messages the server sends on its own, with a server RQ#. */
export const PUSH_TYPES: ReadonlySet<string> = typesWhere((spec) => spec.role === "push");

/** Requests whose success has no reply (the table has none); only a refusal may come back. */
export const NO_REPLY_TYPES: ReadonlySet<string> = typesWhere((spec) =>
  spec.from === "client" && spec.over === "udp" && spec.answer === undefined
);

const BY_KEY = new Map<string, MessageType>(
  (Object.keys(MESSAGES) as MessageType[]).map((type) => [normalizeName(type), type]),
);

/** The lookup key of a name: upper case, `-` and `_` alike. */
export function normalizeName(name: string): string {
  return name.toUpperCase().replaceAll("-", "_");
}

/** The message type a wire name means, matched case-insensitively with `-` and `_` alike. */
export function lookupMessageType(name: string): MessageType | undefined {
  // A name already in its lookup form (`BID`, as clients send it) needs no new strings.
  return BY_KEY.get(name) ?? BY_KEY.get(normalizeName(name));
}
