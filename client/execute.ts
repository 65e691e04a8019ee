/**
 * Running one network command of the shell or a script: builds its request, sends it through
 * the retransmitting engine, and maps the outcome to a {@linkcode CommandResult}.
 * @module
 */

import {
  encodeMessage,
  type Message,
  message,
  parseRole,
  type Role,
  withoutSessionKey,
} from "../protocol/mod.ts";
import type { Autobidder } from "./autobid.ts";
import type { ClientCommand } from "./commands.ts";
import {
  auctionHouse,
  type PasswordChoice,
  passwordForLogin,
  passwordForRegister,
} from "./credentials.ts";
import type { ClientFlags } from "./flags.ts";
import type { ItemBook } from "./items.ts";
import type { Ask, ClientEvent, CommandResult } from "./output.ts";
import type { PasswordStoreAccess } from "./password_store.ts";
import type { PaymentDetails } from "./payment.ts";
import { type ClientRequest, REFUSAL_TYPES, type RequestOutcome } from "./requests.ts";
import type { Identity } from "./session_identity.ts";

/** What a command may use of the running client. */
export interface ShellContext {
  readonly flags: ClientFlags;
  /** The address declared in REGISTER. */
  readonly host: string;
  readonly udpPort: number;
  readonly tcpPort: number;
  /** The user name: the one registered or logged in, else the --name flag. */
  userName(): string | undefined;
  readonly items: ItemBook;
  readonly autobid: Autobidder;
  /** The client's clock, in ms since the epoch. */
  nowMs(): number;
  /** Sends a request with a new RQ# until it is answered or given up. */
  send(build: (rq: number) => ClientRequest): Promise<RequestOutcome>;
  /** Reports a client event. */
  report(event: ClientEvent): void;
  /**
   * Records who this client is after REGISTER or LOGIN (and the session key the reply gave,
   * or none, and the password, for a LOGIN at another node); a role left out stays as it was.
   */
  setIdentity(identity: Identity): void;
  /** Where generated passwords are kept, or why they cannot be. */
  readonly passwords: PasswordStoreAccess;
  /** Asks the person at the shell; undefined in the scripted mode. */
  readonly ask: Ask | undefined;
  /** Answers the INFORM_Req waiting for `item`. */
  pay(item: string, details: PaymentDetails): Promise<CommandResult>;
}

/** A role as typed at register's question, or null for `cancel` (drop the command). */
function parseRoleOrCancel(text: string): Role | null {
  return /^cancel$/i.test(text) ? null : parseRole(text);
}

/** Runs `command`; resolves when it is answered or given up. */
export async function executeCommand(
  command: ClientCommand,
  context: ShellContext,
): Promise<CommandResult> {
  const request = (build: (rq: number) => ClientRequest, onReply?: (reply: Message) => void) =>
    sendRequest(context, build, onReply);
  switch (command.kind) {
    case "register": {
      const name = command.name ?? context.flags.name;
      if (!name) return fail(context, "register needs a name and a role: register NAME ROLE");
      // The role is asked for here, at register, never at start: login needs none.
      const role = command.role ?? context.flags.role ??
        await context.ask?.("Your role (buyer or seller, or cancel): ", parseRoleOrCancel, {
          answers: "buyer or seller",
          cancels: "register",
        });
      if (role === null) return fail(context, "register cancelled: nothing was sent");
      if (!role) return fail(context, "register needs a role: register NAME ROLE, or --role");
      const given = command.name ? command.password : command.password ?? context.flags.password;
      const choice: PasswordChoice = given !== undefined
        ? { password: given }
        : await passwordForRegister(name, passwordContext(context));
      if ("error" in choice) return fail(context, choice.error);
      let key: string | undefined;
      const result = await request(
        (rq) =>
          message("REGISTER", rq, {
            name,
            role,
            ip: context.host,
            udpPort: context.udpPort,
            tcpPort: context.tcpPort,
            password: choice.password,
          }),
        (reply) => {
          if (reply.type === "REGISTERED") key = reply.key;
        },
      );
      if (result === "ok") {
        context.setIdentity({ name, role, key, password: choice.password });
        if (choice.keptIn) {
          context.report({ type: "password", action: "kept", user: name, file: choice.keptIn });
        }
      } else if (result === "refused" && choice.keptIn && context.passwords.available) {
        // A name already taken: the password just made up belongs to no account.
        const store = context.passwords.store;
        await store.remove(auctionHouse(context.flags), name, choice.password).catch(() => {});
      }
      return result;
    }
    case "login": {
      // The name registered or logged in here before, else --name.
      const name = command.name ?? context.userName();
      if (!name) return fail(context, "login needs a name: login NAME [PASSWORD]");
      const given = command.name ? command.password : command.password ?? context.flags.password;
      const choice: PasswordChoice = given !== undefined
        ? { password: given }
        : await passwordForLogin(name, passwordContext(context));
      if ("error" in choice) return fail(context, choice.error);
      let role: Role | undefined;
      let key: string | undefined;
      const result = await request(
        (rq) =>
          message("LOGIN", rq, {
            name,
            tcpPort: context.tcpPort,
            password: choice.password,
          }),
        (reply) => {
          if (reply.type !== "LOGIN_SUCCESS") return;
          role = reply.role;
          key = reply.key;
        },
      );
      if (result === "ok") context.setIdentity({ name, role, key, password: choice.password });
      return result;
    }
    case "deregister": {
      const name = context.userName();
      if (!name) return fail(context, "Not registered: nothing to deregister");
      const result = await request((rq) => message("DE-REGISTER", rq, { name }));
      if (result === "ok") context.setIdentity({ name: undefined });
      return result;
    }
    case "list":
      return await request(
        (rq) =>
          message("LIST_ITEM", rq, {
            item: command.item,
            description: command.description,
            startPrice: command.startPriceCents,
            duration: command.duration,
          }),
        (reply) => {
          if (reply.type !== "ITEM_LISTED") return;
          const durationUnit = context.flags.durationUnit;
          context.items.listed({ ...command, durationUnit }, context.nowMs());
        },
      );
    case "subscribe":
      return await subscribe(context, command.item);
    case "unsubscribe":
      if (context.items.wasUnsubscribed(command.item)) {
        return fail(context, `Not subscribed to ${command.item}: you unsubscribed already`);
      }
      context.autobid.stop(command.item, "unsubscribed");
      context.items.unsubscribed(command.item);
      return await request((rq) => message("DE-SUBSCRIBE", rq, { item: command.item }));
    case "bid": {
      const subscribed = await subscribeFirst(context, command.item, "bid");
      if (subscribed !== "ok") return subscribed;
      return await request(
        (rq) => message("BID", rq, { item: command.item, amount: command.amountCents }),
        (reply) => {
          if (reply.type !== "BID_ACCEPTED") return;
          context.items.bidAccepted(command.item, command.amountCents, context.nowMs());
        },
      );
    }
    case "accept":
      return await request((rq) =>
        message("ACCEPT", rq, { item: command.item, newPrice: command.priceCents })
      );
    case "refuse":
      return await request((rq) =>
        message("REFUSE", rq, { item: command.item, decision: "REJECT" })
      );
    case "autobid": {
      const subscribed = await subscribeFirst(context, command.item, "autobid");
      if (subscribed !== "ok") return subscribed;
      context.autobid.start(command.item, command.maxCents, command.stepCents);
      return "ok";
    }
    case "autobid-stop":
      if (!context.autobid.isActive(command.item)) {
        // One that stopped by itself (max passed, auction over, bid refused) says why.
        const why = context.autobid.stoppedBecause(command.item);
        const item = context.items.get(command.item)?.item ?? command.item;
        return fail(
          context,
          why === undefined
            ? `No autobid runs on ${item}`
            : `No autobid runs on ${item}: it already stopped (${why})`,
        );
      }
      context.autobid.stop(command.item);
      return "ok";
    case "pay":
      return await context.pay(command.item, command);
    default:
      return fail(context, `"${command.kind}" is not a network command`);
  }
}

function passwordContext(context: ShellContext) {
  return {
    server: auctionHouse(context.flags),
    access: context.passwords,
    ask: context.ask,
    report: (event: ClientEvent) => context.report(event),
  };
}

/** Reports `error` as an event; the command could not run. */
export function fail(context: Pick<ShellContext, "report">, error: string): CommandResult {
  context.report({ type: "error", error });
  return "error";
}

/** SUBSCRIBE; its success says the auction is open, even under a name heard closed before. */
function subscribe(context: ShellContext, item: string): Promise<CommandResult> {
  return sendRequest(context, (rq) => message("SUBSCRIBE", rq, { item }), (reply) => {
    if (reply.type === "SUBSCRIBED") context.items.subscribed(item, context.nowMs());
  });
}

/**
 * Before a bid: subscribes to `item` when this client does not follow it, or heard it closed
 * (the name may be listed again), and says so. Without a subscription no push tells a bidder
 * it was outbid or that the auction closed.
 */
async function subscribeFirst(
  context: ShellContext,
  item: string,
  command: "bid" | "autobid",
): Promise<CommandResult> {
  if (context.items.isFollowing(item) && !context.items.get(item)?.closed) return "ok";
  context.report({ type: "subscribing", item, command });
  return await subscribe(context, item);
}

/** Sends a request, reports how it ended when no reply tells, and maps it to a result. */
async function sendRequest(
  context: ShellContext,
  build: (rq: number) => ClientRequest,
  onReply?: (reply: Message) => void,
): Promise<CommandResult> {
  const outcome = await context.send(build);
  if (outcome.status === "replied") {
    onReply?.(outcome.reply);
    return REFUSAL_TYPES.has(outcome.reply.type) ? "refused" : "ok";
  }
  if (outcome.status === "sent") {
    context.report({
      type: "sent",
      request: outcome.request.type,
      rq: outcome.request.rq,
      raw: withoutSessionKey(outcome.raw),
    });
    return "ok";
  }
  if (outcome.status === "timeout") {
    context.report({
      type: "timeout",
      request: outcome.request.type,
      rq: outcome.request.rq,
      raw: redactRequest(outcome.raw, outcome.request),
      attempts: outcome.attempts,
    });
    return "timeout";
  }
  return "error";
}

/** A request line safe to print: a password is replaced by `***`, a session key left out. */
function redactRequest(raw: string, request: ClientRequest): string {
  if ((request.type === "REGISTER" || request.type === "LOGIN") && request.password) {
    return encodeMessage({ ...request, password: "***", key: undefined });
  }
  return withoutSessionKey(raw);
}
