/**
 * The client itself, shared by the shell and the scripted mode: it owns the UDP endpoint, the
 * request engine, the TCP listener, the item book and the autobidder, runs commands, and
 * reports every message and event to one {@linkcode ClientOutput}.
 * @module
 */

import { encodeMessage, type Message, message, type Role } from "../protocol/mod.ts";
import { Autobidder, type AutobidEvent } from "./autobid.ts";
import type { ClientCommand } from "./commands.ts";
import type { ClientFlags } from "./flags.ts";
import { ItemBook } from "./items.ts";
import type { Logger } from "./log.ts";
import {
  answerPayment,
  missingDetails,
  type PaymentDetails,
  type PaymentRequest,
} from "./payment.ts";
import {
  type ClientRequest,
  REFUSAL_TYPES,
  RequestEngine,
  type RequestOutcome,
} from "./requests.ts";
import { SaleListener } from "./tcp.ts";
import { systemTimers, type Timers } from "./timers.ts";
import { localAddressFor, UdpEndpoint } from "./udp.ts";

/** Something the client did or noticed that is not a server message. */
export type ClientEvent =
  | { type: "sent"; request: string; rq: number; raw: string }
  | { type: "timeout"; request: string; rq: number; raw: string; attempts: number }
  | { type: "error"; error: string; line?: string }
  | ({ type: "autobid" } & AutobidEvent)
  | {
    type: "payment";
    action: "sent";
    item: string;
    rq: number;
    card: string;
  }
  | {
    type: "payment";
    action: "needed";
    item: string;
    rq: number;
    finalPrice: number;
    deadlineMs: number;
    missing: string[];
  }
  | { type: "payment"; action: "failed"; item: string; error: string };

/** Where the client reports. */
export interface ClientOutput {
  /**
   * A message from the server (a reply, a push, or a TCP message). `saleItem` is the item of
   * the TCP connection it came on, for CANCEL and Shipping_Info, which do not name it.
   */
  message(message: Message, raw: string, via: "udp" | "tcp", saleItem?: string): void;
  /** A client event. */
  event(event: ClientEvent): void;
}

/** How a command ended, for exit codes. */
export type CommandResult = "ok" | "refused" | "timeout" | "error";

/** The running client. */
export class AuctionClient {
  readonly items = new ItemBook();
  readonly flags: ClientFlags;
  readonly host: string;
  readonly #udp: UdpEndpoint;
  readonly #tcp: SaleListener;
  readonly #engine: RequestEngine;
  readonly #autobid: Autobidder;
  readonly #timers: Timers;
  readonly #logger: Logger;
  readonly #payments = new Map<string, PaymentRequest>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #saleItems = new WeakMap<PaymentRequest["connection"], string>();
  #output: ClientOutput;
  #self?: string;
  #role?: Role;

  private constructor(
    parts: { flags: ClientFlags; host: string; udp: UdpEndpoint; tcp: SaleListener },
    output: ClientOutput,
    logger: Logger,
    timers: Timers,
  ) {
    this.flags = parts.flags;
    this.host = parts.host;
    this.#udp = parts.udp;
    this.#tcp = parts.tcp;
    this.#output = output;
    this.#logger = logger;
    this.#timers = timers;
    this.#engine = new RequestEngine({ send: (line) => this.#udp.send(line), timers, logger });
    this.#autobid = new Autobidder({
      lookup: (item) => this.items.get(item),
      self: () => this.name,
      bid: async (item, amountCents) => {
        const outcome = await this.#send((rq) => message("BID", rq, { item, amount: amountCents }));
        return outcome.status === "replied" && outcome.reply.type === "BID_ACCEPTED"
          ? { accepted: true }
          : {
            accepted: false,
            reason: outcome.status === "replied" && "reason" in outcome.reply
              ? outcome.reply.reason
              : undefined,
          };
      },
      report: (event) => this.#output.event({ type: "autobid", ...event }),
    });
    this.#udp.onMessage((received, raw) => this.#onDatagram(received, raw));
    this.#tcp.onMessage((received, raw, connection) => {
      this.#onSaleMessage(received, raw, connection);
    });
  }

  /** Opens the sockets and finds the address to declare. */
  static async start(
    flags: ClientFlags,
    output: ClientOutput,
    logger: Logger,
    timers: Timers = systemTimers,
  ): Promise<AuctionClient> {
    const server = { hostname: flags.serverHost, port: flags.serverPort };
    const udp = await UdpEndpoint.open({ port: flags.udpPort, server, logger });
    let tcp: SaleListener;
    try {
      tcp = new SaleListener({
        port: flags.tcpPort,
        idleTimeoutMs: (flags.informTimeoutSeconds + 60) * 1000,
        logger,
      });
    } catch (error) {
      await udp.close();
      throw new Error(`Cannot listen on TCP port ${flags.tcpPort}: ${(error as Error).message}`);
    }
    const host = flags.host ?? await localAddressFor(server, logger);
    logger.info("Client ready", { host, udpPort: udp.port, tcpPort: tcp.port });
    return new AuctionClient({ flags, host, udp, tcp }, output, logger, timers);
  }

  /** The user name: the one registered or logged in, else the --name flag. */
  get name(): string | undefined {
    return this.#self ?? this.flags.name;
  }

  /** The role, once known. */
  get role(): Role | undefined {
    return this.#role ?? this.flags.role;
  }

  /** The local UDP port. */
  get udpPort(): number {
    return this.#udp.port;
  }

  /** The local TCP port of the sale listener. */
  get tcpPort(): number {
    return this.#tcp.port;
  }

  /** INFORM_Reqs waiting for an answer. */
  get pendingPayments(): PaymentRequest[] {
    return [...this.#payments.values()];
  }

  /** Replaces the output (the shell swaps its own in once running). */
  setOutput(output: ClientOutput): void {
    this.#output = output;
  }

  /** Runs one network command; resolves when it is answered or given up. */
  execute(command: ClientCommand): Promise<CommandResult> {
    const task = this.#execute(command);
    this.#inFlight.add(task);
    return task.finally(() => this.#inFlight.delete(task));
  }

  /** Answers the INFORM_Req for `item` with `details`. */
  async pay(item: string, details: PaymentDetails): Promise<CommandResult> {
    const request = this.#payments.get(item.toLowerCase());
    if (!request) return this.#fail(`No payment request for "${item}" is waiting`);
    this.#payments.delete(item.toLowerCase());
    try {
      const card = await answerPayment(request, details);
      this.#output.event({
        type: "payment",
        action: "sent",
        item: request.item,
        rq: request.rq,
        card,
      });
      return "ok";
    } catch (error) {
      const text = `Cannot send the payment details: ${(error as Error).message}`;
      this.#output.event({ type: "payment", action: "failed", item: request.item, error: text });
      return "error";
    }
  }

  /** Waits for running commands and open sale connections (at most `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const expired = new Promise((resolve) =>
      deadline.addEventListener("abort", resolve, { once: true })
    );
    while (this.#inFlight.size > 0 && !deadline.aborted) {
      await Promise.race([Promise.allSettled([...this.#inFlight]), expired]);
    }
  }

  /** Closes everything; pending requests are given up. */
  async close(): Promise<void> {
    this.#engine.cancelAll();
    await Promise.allSettled([this.#udp.close(), this.#tcp.close()]);
  }

  async #execute(command: ClientCommand): Promise<CommandResult> {
    switch (command.kind) {
      case "register": {
        const name = command.name ?? this.flags.name;
        const role = command.role ?? this.flags.role;
        if (!name || !role) {
          return this.#fail("register needs a name and a role: register NAME ROLE");
        }
        const password = command.name ? command.password : command.password ?? this.flags.password;
        const result = await this.#request((rq) =>
          message("REGISTER", rq, {
            name,
            role,
            ip: this.host,
            udpPort: this.#udp.port,
            tcpPort: this.#tcp.port,
            ...(password === undefined ? {} : { password }),
          })
        );
        if (result === "ok") [this.#self, this.#role] = [name, role];
        return result;
      }
      case "login": {
        const name = command.name ?? this.flags.name;
        if (!name) return this.#fail("login needs a name: login NAME [PASSWORD]");
        const password = command.name ? command.password : command.password ?? this.flags.password;
        let role: Role | undefined;
        const result = await this.#request(
          (rq) =>
            message("LOGIN", rq, {
              name,
              tcpPort: this.#tcp.port,
              ...(password === undefined ? {} : { password }),
            }),
          (reply) => {
            if (reply.type === "LOGIN_SUCCESS") role = reply.role;
          },
        );
        if (result === "ok") [this.#self, this.#role] = [name, role];
        return result;
      }
      case "deregister": {
        const name = this.name;
        if (!name) return this.#fail("Not registered: nothing to deregister");
        const result = await this.#request((rq) => message("DE-REGISTER", rq, { name }));
        if (result === "ok") this.#self = undefined;
        return result;
      }
      case "list":
        return await this.#request(
          (rq) =>
            message("LIST_ITEM", rq, {
              item: command.item,
              description: command.description,
              startPrice: command.startPriceCents,
              duration: command.duration,
            }),
          (reply) => {
            if (reply.type !== "ITEM_LISTED") return;
            const entry = this.items.touch(command.item, this.#timers.nowMs());
            entry.description = command.description;
            entry.priceCents = command.startPriceCents;
          },
        );
      case "subscribe":
        return await this.#request((rq) => message("SUBSCRIBE", rq, { item: command.item }));
      case "unsubscribe":
        this.#autobid.stop(command.item, "unsubscribed");
        return await this.#request((rq) => message("DE-SUBSCRIBE", rq, { item: command.item }));
      case "bid":
        return await this.#request((rq) =>
          message("BID", rq, { item: command.item, amount: command.amountCents })
        );
      case "accept":
        return await this.#request((rq) =>
          message("ACCEPT", rq, { item: command.item, newPrice: command.priceCents })
        );
      case "refuse":
        return await this.#request((rq) =>
          message("REFUSE", rq, { item: command.item, decision: "REJECT" })
        );
      case "autobid": {
        if (!this.items.get(command.item)) {
          const subscribed = await this.#request((rq) =>
            message("SUBSCRIBE", rq, { item: command.item })
          );
          if (subscribed !== "ok") return subscribed;
        }
        this.#autobid.start(command.item, command.maxCents, command.stepCents);
        return "ok";
      }
      case "autobid-stop":
        if (!this.#autobid.isActive(command.item)) {
          return this.#fail(`No autobid runs on "${command.item}"`);
        }
        this.#autobid.stop(command.item);
        return "ok";
      case "pay":
        return await this.pay(command.item, command);
      default:
        return this.#fail(`"${command.kind}" is not a network command`);
    }
  }

  /** Sends a request, reports its end, and maps it to a result. */
  async #request(
    build: (rq: number) => ClientRequest,
    onReply?: (reply: Message) => void,
  ): Promise<CommandResult> {
    const outcome = await this.#send(build);
    if (outcome.status === "replied") {
      onReply?.(outcome.reply);
      return REFUSAL_TYPES.has(outcome.reply.type) ? "refused" : "ok";
    }
    if (outcome.status === "sent") {
      this.#output.event({
        type: "sent",
        request: outcome.request.type,
        rq: outcome.request.rq,
        raw: outcome.raw,
      });
      return "ok";
    }
    if (outcome.status === "timeout") {
      this.#output.event({
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

  #send(build: (rq: number) => ClientRequest): Promise<RequestOutcome> {
    let settleBy: ((received: Message) => boolean) | undefined;
    return this.#engine.request((rq) => {
      const request = build(rq);
      if (request.type === "ACCEPT") {
        // Success has no reply of its own: the PRICE_ADJUSTMENT for the item answers it.
        settleBy = (received) =>
          received.type === "PRICE_ADJUSTMENT" &&
          received.item.toLowerCase() === request.item.toLowerCase();
      }
      return request;
    }, { settleBy: (received) => settleBy?.(received) ?? false });
  }

  #fail(error: string): CommandResult {
    this.#output.event({ type: "error", error });
    return "error";
  }

  #onDatagram(received: Message, raw: string): void {
    const isReply = received.type !== "PRICE_ADJUSTMENT" &&
      !["AUCTION_ANNOUNCE", "BID_UPDATE", "NEGOTIATE_REQ"].includes(received.type);
    if (isReply) {
      // A reply prints only when it answers a request of ours; others are logged and dropped.
      if (this.#engine.receive(received)) this.#output.message(received, raw, "udp");
      return;
    }
    this.items.record(received, this.#timers.nowMs());
    this.#output.message(received, raw, "udp");
    this.#engine.receive(received);
    this.#autobid.onMessage(received);
  }

  #onSaleMessage(
    received: Message,
    raw: string,
    connection: PaymentRequest["connection"],
  ): void {
    this.items.record(received, this.#timers.nowMs());
    if ("item" in received) this.#saleItems.set(connection, received.item);
    this.#output.message(received, raw, "tcp", this.#saleItems.get(connection));
    if (received.type !== "INFORM_Req") return;
    const request: PaymentRequest = {
      item: received.item,
      finalPriceCents: received.finalPrice,
      rq: received.rq,
      deadlineMs: this.#timers.nowMs() + this.flags.informTimeoutSeconds * 1000,
      connection,
    };
    this.#payments.set(received.item.toLowerCase(), request);
    const missing = missingDetails(this.flags.profile);
    if (missing.length === 0) {
      const task = this.pay(received.item, this.flags.profile as PaymentDetails);
      this.#inFlight.add(task);
      task.finally(() => this.#inFlight.delete(task));
      return;
    }
    this.#output.event({
      type: "payment",
      action: "needed",
      item: received.item,
      rq: received.rq,
      finalPrice: received.finalPrice,
      deadlineMs: request.deadlineMs,
      missing,
    });
  }
}

/** A request line safe to print: a password is replaced by `***`. */
function redactRequest(raw: string, request: ClientRequest): string {
  if ((request.type === "REGISTER" || request.type === "LOGIN") && request.password) {
    return encodeMessage({ ...request, password: "***" });
  }
  return raw;
}
