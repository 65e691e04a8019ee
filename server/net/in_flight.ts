/**
 * The requests a dispatcher is handling, so that a repeat arriving meanwhile (same source, RQ# and
 * request digest) waits for the first one's reply instead of being handled twice. Found by RQ# (a
 * number: no key string to build and hash per request), each RQ#'s chain holding one per source
 * and digest; the only request being handled (one request in flight, the usual case at low load)
 * is kept apart, with no Map entry set and deleted for it.
 * @module
 */

/** A request being handled, in its RQ#'s chain. */
export interface Flight {
  rq: number;
  source: string;
  digest: string;
  /** Settles once it is answered. */
  done: Promise<void>;
  /** The next request being handled with the same RQ#. */
  next: Flight | undefined;
}

/** The requests being handled. */
export class RequestsInFlight {
  readonly #byRq = new Map<number, Flight>();
  /** The request being handled while it is the only one. */
  #lone: Flight | undefined;

  /** The request being handled from `source` with this RQ# and digest, if any. */
  find(source: string, rq: number, digest: string): Flight | undefined {
    const lone = this.#lone;
    if (lone && lone.rq === rq && lone.source === source && lone.digest === digest) return lone;
    for (let flight = this.#byRq.get(rq); flight; flight = flight.next) {
      if (flight.source === source && flight.digest === digest) return flight;
    }
    return undefined;
  }

  /** Records `flight` as the one being handled for its source, RQ# and digest (replacing any). */
  add(flight: Flight): void {
    const replaced = this.find(flight.source, flight.rq, flight.digest);
    if (replaced) this.remove(replaced);
    if (!this.#lone && this.#byRq.size === 0) {
      this.#lone = flight;
      return;
    }
    flight.next = this.#byRq.get(flight.rq);
    this.#byRq.set(flight.rq, flight);
  }

  /** Forgets `flight` (nothing when it was replaced already). */
  remove(flight: Flight): void {
    if (this.#lone === flight) {
      this.#lone = undefined;
      return;
    }
    const first = this.#byRq.get(flight.rq);
    if (first === flight) {
      if (flight.next) this.#byRq.set(flight.rq, flight.next);
      else this.#byRq.delete(flight.rq);
      return;
    }
    for (let before = first; before; before = before.next) {
      if (before.next === flight) {
        before.next = flight.next;
        return;
      }
    }
  }
}
