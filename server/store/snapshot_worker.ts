/**
 * The snapshot worker: a replica of the live state on another thread, kept in step with the
 * events the store journals (the same {@linkcode applyEvent}), that serializes and installs
 * snapshots there, so the server's event loop never stops for a `JSON.stringify` of the whole
 * state. Started by `FileStore` (`server/file_store.ts`) once the state is big.
 * @module
 */

import { applyEvent } from "../../auction/apply.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { installSnapshot, serializeSnapshot } from "./snapshot.ts";
import type { AuctionState } from "../../auction/state.ts";

/** What the store sends the worker. */
export type SnapshotWorkerRequest =
  | { type: "init"; state: AuctionState }
  | { type: "events"; events: AuctionEvent[] }
  | { type: "snapshot"; id: number; dir: string; coversSeq: number; nowMs: number };

/** What the worker answers a `snapshot` with. */
export type SnapshotWorkerReply =
  | { type: "installed"; id: number; bytes: number }
  | { type: "failed"; id: number; message: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<SnapshotWorkerRequest>) => void) | null;
  postMessage(message: SnapshotWorkerReply): void;
}

const scope = globalThis as unknown as WorkerScope;
let state: AuctionState | null = null;
/** Snapshots run one after the other, after the events sent before them. */
let work: Promise<void> = Promise.resolve();

scope.onmessage = ({ data }) => {
  switch (data.type) {
    case "init":
      state = data.state;
      return;
    case "events":
      for (const event of data.events) applyEvent(state!, event);
      return;
    case "snapshot": {
      const text = serializeSnapshot(state!, data.coversSeq, data.nowMs);
      work = work.then(() => installSnapshot(data.dir, text)).then(
        () => scope.postMessage({ type: "installed", id: data.id, bytes: text.length }),
        (error) =>
          scope.postMessage({
            type: "failed",
            id: data.id,
            message: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    }
  }
};
