/**
 * The client itself, shared by the shell and the scripted mode: it owns the UDP endpoint, the
 * request engine, the TCP listener with its {@linkcode SaleInbox}, the item book, the autobidder
 * and the {@linkcode SessionIdentity}, runs commands (see `execute.ts`), and reports every
 * message and event to one {@linkcode ClientOutput}.
 * @module
 */

import { type Message, message, PUSH_TYPES, type Role } from "../protocol/mod.ts";
import { Autobidder, bidAnswer } from "./autobid.ts";
import type { ClientCommand } from "./commands.ts";
import { executeCommand, type ShellContext } from "./execute.ts";
import type { ClientFlags } from "./flags.ts";
import { auctionHouse } from "./credentials.ts";
import { NodeFailover } from "./failover.ts";
import { ItemBook } from "./items.ts";
import type { Logger } from "./log.ts";
import type { ClientOutput, CommandResult } from "./output.ts";
import { openPasswordStore, type PasswordStoreAccess } from "./password_store.ts";
import type { InformRequest, PaymentDetails } from "./payment.ts";
import { type ClientRequest, RequestEngine, type RequestOutcome } from "./requests.ts";
import { SaleInbox } from "./sale_inbox.ts";
import { resolveSalePeers } from "./sale_peers.ts";
import { ServerProbe } from "./server_probe.ts";
import { SessionIdentity } from "./session_identity.ts";
import { sessionLostEvent } from "./session_notice.ts";
import { SaleListener } from "./tcp.ts";
import { systemTimers, type Timers } from "./timers.ts";
import { localAddressFor, UdpEndpoint } from "./udp.ts";

/** The running client. */
export class AuctionClient {
  readonly items = new ItemBook({ self: () => this.name });
  readonly flags: ClientFlags;
  readonly host: string;
  readonly #udp: UdpEndpoint;
  readonly #tcp: SaleListener;
  readonly #engine: RequestEngine;
  readonly #autobid: Autobidder;
  readonly #timers: Timers;
  readonly #logger: Logger;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #sales: SaleInbox;
  readonly #context: ShellContext;
  #output: ClientOutput;
  readonly #identity = new SessionIdentity();
  readonly #failover?: NodeFailover;
  readonly #passwords: PasswordStoreAccess;
  #probe?: ServerProbe;

  private constructor(
    parts: {
      flags: ClientFlags;
      host: string;
      udp: UdpEndpoint;
      tcp: SaleListener;
      passwords: PasswordStoreAccess;
    },
    output: ClientOutput,
    logger: Logger,
    timers: Timers,
  ) {
    this.flags = parts.flags;
    this.#passwords = parts.passwords;
    this.host = parts.host;
    this.#udp = parts.udp;
    this.#tcp = parts.tcp;
    this.#output = output;
    this.#logger = logger;
    this.#timers = timers;
    if (parts.flags.servers.length > 1) this.#failover = this.#nodeFailover();
    const failover = this.#failover;
    this.#engine = new RequestEngine({
      send: (line) => this.#udp.send(line),
      timers,
      logger,
      ...(failover
        ? { failover: { maxMoves: this.flags.servers.length, move: () => failover.move() } }
        : {}),
    });
    this.#autobid = new Autobidder({
      lookup: (item) => this.items.get(item),
      self: () => this.name,
      bid: async (item, amountCents) => {
        const answer = bidAnswer(
          await this.#send((rq) => message("BID", rq, { item, amount: amountCents })),
        );
        if (answer.accepted) this.items.bidAccepted(item, amountCents, this.#timers.nowMs());
        return answer;
      },
      report: (event) => this.#output.event({ type: "autobid", ...event }),
    });
    this.#sales = new SaleInbox({
      flags: this.flags,
      items: this.items,
      nowMs: () => this.#timers.nowMs(),
      output: () => this.#output,
      logger,
      track: (task) => {
        this.#inFlight.add(task);
        task.finally(() => this.#inFlight.delete(task));
      },
    });
    this.#context = this.#commandContext();
    this.#udp.onMessage((received, raw) => this.#onDatagram(received, raw));
    this.#tcp.onMessage((received, raw, connection) => {
      this.#sales.receive(received, raw, connection);
    });
  }

  /**
   * Opens the sockets and finds the address to declare. `options.passwords` is where made-up
   * passwords are kept (default: the user's configuration folder, when permitted).
   */
  static async start(
    flags: ClientFlags,
    output: ClientOutput,
    logger: Logger,
    timers: Timers = systemTimers,
    options: { passwords?: PasswordStoreAccess } = {},
  ): Promise<AuctionClient> {
    const server = { hostname: flags.serverHost, port: flags.serverPort };
    const peers = await resolveSalePeers(flags.servers, flags.saleFrom, { logger });
    logger.info("Sale connections taken from", { addresses: peers.addresses.join(",") });
    const udp = await UdpEndpoint.open({ port: flags.udpPort, server, logger });
    let tcp: SaleListener;
    try {
      tcp = new SaleListener({
        port: flags.tcpPort,
        peers,
        idleTimeoutMs: (flags.informTimeoutSeconds + 60) * 1000,
        logger,
        timers,
      });
    } catch (error) {
      await udp.close();
      throw new Error(`Cannot listen on TCP port ${flags.tcpPort}: ${(error as Error).message}`);
    }
    const host = flags.host ?? await localAddressFor(server, logger);
    logger.info("Client ready", { host, udpPort: udp.port, tcpPort: tcp.port });
    const passwords = options.passwords ?? openPasswordStore();
    return new AuctionClient({ flags, host, udp, tcp, passwords }, output, logger, timers);
  }

  /** The user name: the one registered or logged in, else the --name flag. */
  get name(): string | undefined {
    return this.#identity.name ?? this.flags.name;
  }

  /** Whether this client registered or logged in (its session may since have moved). */
  get hasSession(): boolean {
    return this.#identity.name !== undefined;
  }

  /** The role, once known. */
  get role(): Role | undefined {
    return this.#identity.role ?? this.flags.role;
  }

  /** The local UDP port. */
  get udpPort(): number {
    return this.#udp.port;
  }

  /** The local TCP port of the sale listener. */
  get tcpPort(): number {
    return this.#tcp.port;
  }

  /** The client's clock (ms since the epoch): the one that timed each push in {@linkcode items}. */
  nowMs(): number {
    return this.#timers.nowMs();
  }

  /** INFORM_Reqs waiting for an answer. */
  get pendingPayments(): InformRequest[] {
    return this.#sales.pendingPayments;
  }

  /** Replaces the output (the shell swaps its own in once running). */
  setOutput(output: ClientOutput): void {
    this.#output = output;
  }

  /** Runs one network command; resolves when it is answered or given up. */
  execute(command: ClientCommand): Promise<CommandResult> {
    const task = executeCommand(command, this.#context);
    this.#inFlight.add(task);
    return task.finally(() => this.#inFlight.delete(task));
  }

  /** Answers the INFORM_Req for `item` with `details`. */
  pay(item: string, details: PaymentDetails): Promise<CommandResult> {
    return this.#sales.pay(item, details);
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

  /**
   * Checks that the server answers (PING, PONG): reports `unreachable` when it has not after
   * 5 s, keeps trying, and reports `reachable` once it answers after all.
   */
  watchServer(): void {
    this.#probe ??= new ServerProbe({
      server: auctionHouse(this.flags),
      timers: this.#timers,
      report: (event) => this.#output.event(event),
      request: (build) => this.#engine.request(build),
    });
    void this.#probe.start();
  }

  /** Closes everything; pending requests are given up. */
  async close(): Promise<void> {
    this.#probe?.stop();
    this.#engine.cancelAll();
    await Promise.allSettled([this.#udp.close(), this.#tcp.close()]);
  }

  /** What commands may use of this client (see {@linkcode executeCommand}). */
  #commandContext(): ShellContext {
    const output = () => this.#output;
    return {
      flags: this.flags,
      host: this.host,
      udpPort: this.#udp.port,
      tcpPort: this.#tcp.port,
      userName: () => this.name,
      items: this.items,
      autobid: this.#autobid,
      nowMs: () => this.#timers.nowMs(),
      send: (build) => this.#send(build),
      report: (event) => this.#output.event(event),
      setIdentity: (identity) => this.#identity.set(identity),
      passwords: this.#passwords,
      get ask() {
        const current = output();
        return current.ask?.bind(current);
      },
      pay: (item, details) => this.pay(item, details),
    };
  }

  /** Moving between the nodes of --server, taking the session and its subscriptions along. */
  #nodeFailover(): NodeFailover {
    return new NodeFailover({
      nodes: this.flags.servers,
      setServer: (node) => this.#udp.setServer(node),
      session: () => {
        const credentials = this.#identity.credentials();
        return credentials && { ...credentials, tcpPort: this.#tcp.port };
      },
      following: () => this.items.following(),
      request: (build, options) => this.#engine.request(build, options),
      loggedIn: (key) => this.#identity.loggedIn(key),
      dropped: (item) => this.items.stopFollowing(item),
      report: (event) => this.#output.event(event),
    });
  }

  #send(build: (rq: number) => ClientRequest): Promise<RequestOutcome> {
    let settleBy: ((received: Message) => boolean) | undefined;
    return this.#engine.request((rq) => {
      // Retransmissions resend these bytes, with the key of the session when it was sent.
      const request: ClientRequest = this.#identity.withKey(build(rq));
      if (request.type === "ACCEPT") {
        // Success has no reply of its own: the PRICE_ADJUSTMENT for the item answers it.
        settleBy = (received) =>
          received.type === "PRICE_ADJUSTMENT" &&
          received.item.toLowerCase() === request.item.toLowerCase();
      }
      return request;
    }, { settleBy: (received) => settleBy?.(received) ?? false });
  }

  #onDatagram(received: Message, raw: string): void {
    if (!PUSH_TYPES.has(received.type)) {
      // A reply prints only when it answers a request of ours; others are logged and dropped.
      if (!this.#engine.receive(received) || this.#probe?.isPing(received.rq)) return;
      if (this.#failover?.isOwn(received.rq)) return;
      this.#output.message(received, raw, "udp");
      // A refusal because the session moved elsewhere: say so, and what to do.
      const lost = sessionLostEvent(received, this.hasSession, this.name ?? "");
      if (lost) this.#output.event(lost);
      return;
    }
    this.items.record(received, this.#timers.nowMs());
    this.#output.message(received, raw, "udp");
    this.#engine.receive(received);
    this.#autobid.onMessage(received);
  }
}
