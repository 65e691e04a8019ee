/**
 * Reading the parties' INFORM_Res: from each, one line before the deadline, decoded and checked
 * (name, card, expiry not past, address). Both are read at once under one deadline, and the
 * first failure ends the wait. Failures come back as reasons fit for CANCEL and the journal:
 * they never carry a card number or an expiry date.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import {
  type CardExpiry,
  DecodeError,
  decodeLine,
  isCardExpired,
  ProtocolError,
  readUnquotedInform,
  redactSecrets,
} from "../../protocol/mod.ts";
import type { Clock } from "../clock.ts";
import type { PaymentCard } from "./payment.ts";
import { type LineChannel, ReadTimeoutError } from "./line_channel.ts";
import { describe } from "./steps.ts";

const logger = getLogger(["auction", "sale"]);

/** A party of a sale. */
export type Party = "buyer" | "seller";

/** A valid INFORM_Res: the card (in memory only) and the shipping details. */
export interface InformAnswer {
  ok: true;
  /** The card, to hand to the gateway and then forget. */
  card: PaymentCard;
  /** The name the party gave. */
  name: string;
  /** The address the party gave. */
  address: string;
}

/** Why a party's answer is not usable. */
export interface InformFailure {
  ok: false;
  /** A reason without card data, for CANCEL and the journal. */
  reason: string;
}

/** Both parties' valid INFORM_Res. */
export interface BothAnswers {
  ok: true;
  /** The buyer's answer. */
  buyer: InformAnswer;
  /** The seller's answer. */
  seller: InformAnswer;
}

/** Options of {@linkcode readBothInforms}. */
export interface ReadBothInformsOptions {
  /** Time for the deadline and the card's expiry. */
  clock: Clock;
  /** How long both parties have, counted from now. */
  timeoutSeconds: number;
  /** Aborts the reads when the server shuts down. */
  shutdown: AbortSignal;
}

/** Both INFORM_Res, or the first failure (without waiting for the other party). Never rejects. */
export async function readBothInforms(
  channels: { buyer: LineChannel; seller: LineChannel },
  options: ReadBothInformsOptions,
): Promise<BothAnswers | InformFailure> {
  const { clock, timeoutSeconds } = options;
  const deadline = new AbortController();
  const timer = clock.setTimer(() => deadline.abort(), timeoutSeconds * 1000);
  const signal = AbortSignal.any([deadline.signal, options.shutdown]);
  const readOptions = { signal, nowMs: () => clock.now(), timeoutSeconds };
  let firstFailure: InformFailure | undefined;
  const read = (channel: LineChannel, party: Party) =>
    readInform(channel, party, readOptions).then((answer) => {
      if (!answer.ok) {
        firstFailure ??= answer;
        deadline.abort(); // Stop waiting for the other party.
      }
      return answer;
    });
  try {
    const [buyerAnswer, sellerAnswer] = await Promise.all([
      read(channels.buyer, "buyer"),
      read(channels.seller, "seller"),
    ]);
    if (firstFailure || !buyerAnswer.ok || !sellerAnswer.ok) {
      return firstFailure ?? { ok: false, reason: "No INFORM_Res" };
    }
    return { ok: true, buyer: buyerAnswer, seller: sellerAnswer };
  } finally {
    clock.clearTimer(timer);
  }
}

/** Reads and checks one INFORM_Res from `channel`. Never rejects. */
export async function readInform(
  channel: LineChannel,
  party: Party,
  options: { signal: AbortSignal; nowMs: () => number; timeoutSeconds: number },
): Promise<InformAnswer | InformFailure> {
  const who = party === "buyer" ? "Buyer" : "Seller";
  let line: string | null;
  try {
    line = await channel.readLine(options.signal, { acceptQuietLine: isWholeInformRes });
  } catch (error) {
    if (error instanceof ReadTimeoutError) {
      return fail(`${who} did not answer INFORM_Req within ${options.timeoutSeconds} s`);
    }
    // A broken line (too long) is the party's doing and says so; a connection that failed says
    // only that: the system's error text is for the log, not for the other party.
    if (error instanceof ProtocolError) {
      return fail(`${who} sent an unreadable answer: ${error.message}`);
    }
    logger.warn("The {party}'s connection failed before INFORM_Res: {reason}", {
      party,
      reason: describe(error),
    });
    return fail(`${who} lost the connection before answering INFORM_Req`);
  }
  if (line === null) return fail(`${who} closed the connection without answering INFORM_Req`);
  logger.info("Received {line} from {party} at {peer}", {
    line: redactSecrets(line),
    party,
    peer: channel.remote,
  });
  const answer = decodeInform(line);
  if (answer.kind === "undecodable") return fail(`${who} did not answer with INFORM_Res`);
  if (answer.kind === "invalid") return fail(`Invalid INFORM_Res from ${party}: ${answer.reason}`);
  if (answer.kind === "other") return fail(`${who} answered ${answer.type} instead of INFORM_Res`);
  if (isCardExpired(answer.expiry, options.nowMs())) return fail(`${who}'s card has expired`);
  return {
    ok: true,
    card: { number: answer.card, expiry: answer.expiry, holder: answer.name },
    name: answer.name,
    address: answer.address,
  };
}

/**
 * Whether `line` decodes as a whole INFORM_Res (quoted, or unquoted as the seed writes it): the
 * test for an answer that ends without a line end once the connection has gone quiet.
 */
export function isWholeInformRes(line: string): boolean {
  return decodeInform(line).kind === "inform";
}

type DecodedInform =
  | { kind: "inform"; name: string; card: string; expiry: CardExpiry; address: string }
  | { kind: "invalid"; reason: string }
  | { kind: "other"; type: string }
  | { kind: "undecodable" };

/** The one reading of an INFORM_Res line: the codec, then the seed's unquoted form. */
function decodeInform(line: string): DecodedInform {
  let decoded;
  try {
    decoded = decodeLine(line);
  } catch (error) {
    if (!(error instanceof DecodeError && error.type === "INFORM_Res")) {
      return { kind: "undecodable" };
    }
    // The seed writes names and cards with spaces unquoted: read it that way before refusing.
    const unquoted = readUnquotedInform(line);
    if (!unquoted) return { kind: "invalid", reason: error.message };
    return { kind: "inform", ...unquoted };
  }
  if (decoded.type !== "INFORM_Res") return { kind: "other", type: decoded.type };
  const { name, card, expiry, address } = decoded;
  return { kind: "inform", name, card, expiry, address };
}

/** A failure whose reason is masked once more, in case a peer echoed digits into an error. */
function fail(reason: string): InformFailure {
  return { ok: false, reason: redactSecrets(reason) };
}
