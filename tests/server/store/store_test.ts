import { FileStore } from "../../../server/store/file_store.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { MemoryStore } from "../../../server/store/store.ts";
import { storeContract } from "./_store_contract.ts";

storeContract("MemoryStore", () => {
  const events: AuctionEvent[] = [];
  return Promise.resolve({
    open() {
      const store = new MemoryStore([...events]);
      const append = store.append.bind(store);
      store.append = (batch) => {
        events.push(...batch);
        return append(batch);
      };
      return store;
    },
    dispose: () => Promise.resolve(),
  });
});

for (
  const [label, options] of [
    ["FileStore", {}],
    ["FileStore without group commit", { groupCommit: false }],
    ["FileStore snapshotting every 3 events", { snapshotEveryEvents: 3 }],
  ] as const
) {
  storeContract(label, async () => {
    const dir = await Deno.makeTempDir({ prefix: "store-contract-" });
    return {
      open: () => new FileStore(dir, options),
      dispose: () => Deno.remove(dir, { recursive: true }),
    };
  });
}
