/**
 * What a node of several shows on its board and `/metrics`: the feed of a serving follower's
 * board (the batches its log follower applies, with the writer's event numbers), and the
 * cluster's figures.
 * @module
 */

import { type ClusterMetricsView, CommittedFeed } from "../http/mod.ts";
import type { ClusterNode } from "./cluster_node.ts";
import type { LogFollower } from "./follower.ts";

/**
 * The feed of a serving follower's board: the batches `follower` applies, in log order with the
 * writer's event numbers. `subscribe` attaches the board and metrics to it, now and again if the
 * follower has to start over from a snapshot (the board is then rebuilt from that state).
 */
export function followedFeed(
  follower: LogFollower,
  subscribe: (feed: CommittedFeed) => void,
): CommittedFeed {
  const feed = new CommittedFeed(follower.state, follower.eventSeq);
  follower.onApplied(feed.publish);
  follower.onReloaded(() => feed.reset(follower.state, follower.eventSeq));
  feed.onReset(() => subscribe(feed));
  subscribe(feed);
  return feed;
}

/** What `/metrics` shows of a node of several. */
export function clusterMetrics(cluster: ClusterNode): ClusterMetricsView {
  return {
    writer: () => cluster.writing,
    forwarded: () => cluster.forwarded,
    expiredRequests: () => cluster.expiredRequests,
    pushedForWriter: () => cluster.pushedForWriter,
    lagBatches: () => cluster.lag().batches,
    logReadAgeSeconds: () => cluster.lag().seconds,
  };
}
