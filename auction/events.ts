/**
 * Every change to the state is one of these events. They are journaled as written, applied by
 * {@linkcode applyEvent} live and at recovery alike, and carry their own time so that applying
 * them never reads a clock.
 * @module
 */

import type { Role } from "../protocol/mod.ts";
import type { PeerAddress } from "./state.ts";

/** A user registered. */
export interface UserRegistered {
  type: "user_registered";
  atMs: number;
  name: string;
  role: Role;
  declaredIp: string;
  udpPort: number;
  tcpPort: number;
  session: PeerAddress;
  passwordHash?: string;
  passwordSalt?: string;
  /** Iterations of the hash; absent in events journaled before it was recorded (100,000). */
  passwordIterations?: number;
  /** SHA-256 (hex) of the session key given in REGISTERED; never the key itself. */
  sessionKeyHash?: string;
  /**
   * The session's address has not shown yet that it receives what the server sends (a REGISTER
   * or LOGIN may come from a forged address): a `session_shown` event says when it does. Absent
   * in events journaled before this was recorded: such a session counts as shown.
   */
  sessionUnproven?: true;
  /**
   * The account is provisional until a `session_shown` (`User.provisional`); absent in events
   * journaled before provisional accounts existed: such an account is kept as any other.
   */
  provisional?: true;
}

/** A user logged in from a (possibly new) address. */
export interface UserLoggedIn {
  type: "user_logged_in";
  atMs: number;
  name: string;
  session: PeerAddress;
  tcpPort?: number;
  /** SHA-256 (hex) of the new session key given in LOGIN_SUCCESS. */
  sessionKeyHash?: string;
  /** A password hash made again at today's iterations (the old one was weaker). */
  upgradedPassword?: { hash: string; salt: string; iterations: number };
  /** As in {@linkcode UserRegistered}: the new session has not shown yet that it receives. */
  sessionUnproven?: true;
}

/**
 * A request from the user's session address acted for the user: the address receives what the
 * server sends (the reply budget trusts it, across restarts too). Once per session.
 */
export interface SessionShown {
  type: "session_shown";
  atMs: number;
  name: string;
}

/**
 * Provisional accounts removed: expired (`--provisional-seconds` after registering) or pushed
 * out by a newer one over a provisional cap. Names that are no longer provisional are skipped.
 */
export interface AccountsExpired {
  type: "accounts_expired";
  atMs: number;
  names: string[];
}

/** A user de-registered: the user and its subscriptions are gone. */
export interface UserDeregistered {
  type: "user_deregistered";
  atMs: number;
  name: string;
}

/** A seller listed an item. */
export interface ItemListed {
  type: "item_listed";
  atMs: number;
  id: number;
  name: string;
  description: string;
  seller: string;
  startPriceCents: number;
  durationMs: number;
  endsAtMs: number;
}

/** A buyer subscribed to an item. */
export interface Subscribed {
  type: "subscribed";
  atMs: number;
  itemId: number;
  user: string;
}

/** A buyer unsubscribed from an item. */
export interface Unsubscribed {
  type: "unsubscribed";
  atMs: number;
  itemId: number;
  user: string;
}

/** A bid was accepted; `endsAtMs` is the (possibly soft-closed) end time after it. */
export interface BidPlaced {
  type: "bid_placed";
  atMs: number;
  itemId: number;
  bidder: string;
  amountCents: number;
  endsAtMs: number;
}

/** The first NEGOTIATE_REQ of an item went to its seller. */
export interface NegotiationStarted {
  type: "negotiation_started";
  atMs: number;
  itemId: number;
}

/** The seller answered a negotiation: ACCEPT with a lower price, or REFUSE. */
export interface NegotiationAnswered {
  type: "negotiation_answered";
  atMs: number;
  itemId: number;
  /** The lowered price in cents; absent for REFUSE. */
  newPriceCents?: number;
}

/** An auction reached its end time; a sale record starts (pending, or no_offer without a bid). */
export interface AuctionClosed {
  type: "auction_closed";
  atMs: number;
  itemId: number;
  rqs: { buyer: number; seller: number; buyerInform: number; sellerInform: number };
}

/**
 * Both answers were valid and the gateway is about to be asked to pay: the idempotency key, the
 * last four digits and where to ship are durable first, so a restart that finds the gateway
 * already charged this key settles the sale from them instead of running it again.
 */
export interface PaymentStarted {
  type: "payment_started";
  atMs: number;
  itemId: number;
  idempotencyKey: string;
  buyerCardLast4: string;
  sellerCardLast4: string;
  shipTo: { name: string; address: string };
}

/** Payment went through: the buyer was charged and the seller credited. */
export interface SaleSettled {
  type: "sale_settled";
  atMs: number;
  itemId: number;
  feeCents: number;
  payoutCents: number;
  buyerCardLast4: string;
  sellerCardLast4: string;
  /** Server RQ# of the Shipping_Info to the seller, fixed here so a resend repeats it. */
  shippingRq?: number;
  /** The buyer's name and address for Shipping_Info, kept until the seller got them. */
  shipTo?: { name: string; address: string };
  /** Server RQ# of the PAID to the buyer, fixed here so a resend repeats it. */
  paidRq?: number;
}

/** The buyer's PAID went out, or never could (unreachable after a restart). */
export interface BuyerNotified {
  type: "buyer_notified";
  atMs: number;
  itemId: number;
  /** Whether it reached the buyer. */
  delivered: boolean;
}

/** The seller's last message of a sale (NON_OFFER or Shipping_Info) went out, or never could. */
export interface SellerNotified {
  type: "seller_notified";
  atMs: number;
  itemId: number;
  /** Whether it reached the seller; `false` when the seller was unreachable. */
  delivered: boolean;
}

/** The sale was cancelled. */
export interface SaleCancelled {
  type: "sale_cancelled";
  atMs: number;
  itemId: number;
  reason: string;
}

/** Server RQ#s up to `upTo` (exclusive) are reserved; a restart continues after them. */
export interface ServerRqLeased {
  type: "server_rq_leased";
  upTo: number;
}

/** A state-changing request was answered; kept so a retransmission gets the same reply. */
export interface RequestAnswered {
  type: "request_answered";
  atMs: number;
  source: string;
  rq: number;
  requestDigest: string;
  reply: string | null;
  /** See `CachedReply.user`. */
  user?: string | null;
}

/** Replies cached before `atMs` minus their lifetime are forgotten (keeps memory bounded). */
export interface RepliesExpired {
  type: "replies_expired";
  atMs: number;
}

/**
 * Closed items whose sales are finished left the live state after the retention (`--retention`);
 * they were appended to the archive file before this event was journaled.
 */
export interface ItemsArchived {
  type: "items_archived";
  atMs: number;
  itemIds: number[];
}

/** Any change to the state. */
export type AuctionEvent =
  | UserRegistered
  | UserLoggedIn
  | UserDeregistered
  | AccountsExpired
  | SessionShown
  | ItemListed
  | Subscribed
  | Unsubscribed
  | BidPlaced
  | NegotiationStarted
  | NegotiationAnswered
  | AuctionClosed
  | PaymentStarted
  | SaleSettled
  | BuyerNotified
  | SaleCancelled
  | SellerNotified
  | ServerRqLeased
  | RequestAnswered
  | RepliesExpired
  | ItemsArchived;
