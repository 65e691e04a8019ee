import assert from "node:assert/strict";
import { ServerMetrics } from "../../../server/http/metrics.ts";

const view = { openAuctions: () => 0, sessions: () => 0, streamClients: () => 0 };

/** The value of sample `name` (no labels) in `/metrics` text. */
function sample(text: string, name: string): number {
  const line = text.split("\n").find((line) => line.startsWith(`${name} `));
  assert.ok(line, `${name} is in the scrape`);
  return Number(line.split(" ")[1]);
}

Deno.test("every group commit reaches the journal histograms by the next scrape", async () => {
  const metrics = new ServerMetrics(view);
  try {
    for (let index = 0; index < 3; index++) {
      metrics.batchWritten({ records: 2, appends: 1, syncMs: 4, onThread: false, byHelper: false });
    }
    let text = await metrics.text();
    assert.equal(sample(text, "auction_journal_fsync_seconds_count"), 3);
    assert.equal(sample(text, "auction_journal_fsync_seconds_sum"), 0.012);
    assert.equal(sample(text, "auction_group_commit_records_sum"), 6);
    // More than are kept between two scrapes: none is lost, none counted twice.
    for (let index = 0; index < 150; index++) {
      metrics.batchWritten({
        records: 1,
        appends: 1,
        syncMs: 0.5,
        onThread: false,
        byHelper: false,
      });
    }
    text = await metrics.text();
    assert.equal(sample(text, "auction_journal_fsync_seconds_count"), 153);
    assert.equal(sample(text, "auction_group_commit_records_count"), 153);
    assert.equal(sample(text, "auction_group_commit_records_sum"), 156);
    assert.equal(sample(text, 'auction_group_commit_records_bucket{le="1"}'), 150);
    text = await metrics.text();
    assert.equal(sample(text, "auction_journal_fsync_seconds_count"), 153);
  } finally {
    metrics.close();
  }
});

Deno.test("group commits synced on the thread, and by the sync helper, are counted", async () => {
  const metrics = new ServerMetrics(view);
  try {
    metrics.batchWritten({ records: 2, appends: 1, syncMs: 0.1, onThread: true, byHelper: true });
    metrics.batchWritten({ records: 4, appends: 2, syncMs: 0.2, onThread: false, byHelper: false });
    metrics.batchWritten({ records: 2, appends: 1, syncMs: 0.1, onThread: true, byHelper: false });
    const text = await metrics.text();
    assert.equal(sample(text, "auction_journal_syncs_on_thread_total"), 2);
    assert.equal(sample(text, "auction_journal_syncs_by_helper_total"), 1);
    assert.equal(sample(text, "auction_journal_fsync_seconds_count"), 3);
  } finally {
    metrics.close();
  }
});

Deno.test("the pushes waiting for the socket are a gauge read at each scrape", async () => {
  let waiting = 7;
  const metrics = new ServerMetrics({ ...view, pushesWaiting: () => waiting });
  try {
    assert.equal(sample(await metrics.text(), "auction_pushes_waiting"), 7);
    waiting = 0;
    assert.equal(sample(await metrics.text(), "auction_pushes_waiting"), 0);
  } finally {
    metrics.close();
  }
});

Deno.test("UDP datagrams dropped for their source, and failed sends, are counters read at each scrape", async () => {
  const datagrams = { unanswerable: 3, sendFailed: 2 };
  const metrics = new ServerMetrics({ ...view, datagrams: () => datagrams });
  try {
    let text = await metrics.text();
    assert.equal(sample(text, "auction_datagrams_unanswerable_total"), 3);
    assert.equal(sample(text, "auction_datagram_send_failures_total"), 2);
    datagrams.sendFailed = 5;
    text = await metrics.text();
    assert.equal(sample(text, "auction_datagram_send_failures_total"), 5);
  } finally {
    metrics.close();
  }
});
