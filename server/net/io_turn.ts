/**
 * A callback run in a later turn of the event loop, one that polls the sockets first: the turn is
 * started by a one-byte datagram a loopback socket sends to itself, so it comes through the same
 * readiness poll as every request waiting in the server's socket.
 *
 * Why not a timer or `setImmediate`: a timer of 0 ms waits 1-3 ms here, and a turn that wakes
 * itself (an immediate, or an operation past the runtime's per-turn budget) is run again without
 * the sockets being polled, which tokio does only every 61st such turn: measured, a receive then
 * waited 6-35 ms behind a queue drained 64 datagrams an immediate.
 * @module
 */

/** Requests coalesce: one run per turn however many asked for it. */
export class IoTurn {
  readonly #run: () => void;
  readonly #socket: Deno.DatagramConn | null;
  readonly #self: Deno.NetAddr;
  readonly #byte = new Uint8Array(1);
  #requested = false;
  #closed = false;
  readonly #fire = () => {
    this.#requested = false;
    if (!this.#closed) this.#run();
  };

  /** `run` is called once per {@linkcode request}ed turn. */
  constructor(run: () => void) {
    this.#run = run;
    let socket: Deno.DatagramConn | null = null;
    try {
      socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    } catch {
      // No loopback interface: timers instead (slower turns, the same order).
    }
    this.#socket = socket;
    this.#self =
      (socket?.addr ?? { transport: "udp", hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr;
    if (socket) this.#listen(socket);
  }

  /** Asks for one run of the callback in a later turn (a no-op when one is already asked for). */
  request(): void {
    if (this.#requested || this.#closed) return;
    this.#requested = true;
    if (!this.#socket) {
      setTimeout(this.#fire, 0);
      return;
    }
    this.#socket.send(this.#byte, this.#self).catch(() => {
      // Not sent (it never happens on loopback): the run still comes, a timer later.
      if (!this.#closed) setTimeout(this.#fire, 0);
    });
  }

  /** Stops: no run after this. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.close();
  }

  async #listen(socket: Deno.DatagramConn): Promise<void> {
    const buffer = new Uint8Array(1);
    let receiving = socket.receive(buffer);
    while (!this.#closed) {
      try {
        await receiving;
      } catch {
        if (this.#closed) return;
        receiving = socket.receive(buffer);
        continue;
      }
      // The next receive is asked for before the run, which may ask for the next turn: asked
      // for after it, it would find that datagram already there and complete in this very turn.
      receiving = socket.receive(buffer);
      // Anything that reaches this loopback port starts a run: at worst one too early.
      this.#fire();
    }
  }
}
