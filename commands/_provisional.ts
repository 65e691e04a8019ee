/**
 * Room for a new provisional account: which provisional accounts a REGISTER removes first, so
 * that the caps hold without refusing anyone (`docs/security/limits.md`, "Provisional
 * accounts"). Private to `commands/` (not a command, so not registered).
 * @module
 */

import type { AuctionState } from "../auction/state.ts";
import {
  oldestProvisional,
  provisionalCount,
  provisionalInNetwork,
} from "../auction/provisional.ts";
import type { CommandSettings } from "./define.ts";

/** The settings the room is made by. */
type ProvisionalSettings = Pick<
  CommandSettings,
  "maxUsers" | "provisionalSeconds" | "maxProvisional" | "maxProvisionalPerNetwork"
>;

/** Whether a REGISTER over `--max-users` can take the place of a provisional account. */
export function provisionalCanGiveWay(
  state: AuctionState,
  config: ProvisionalSettings,
): boolean {
  return config.provisionalSeconds > 0 && provisionalCount(state) > 0;
}

/**
 * The names of the provisional accounts to remove before a new one registers from `ip`: the
 * oldest of its network when that network is at its cap, then the oldest of all while the
 * provisional accounts, or all accounts, are at theirs. Empty when none must go.
 */
export function provisionalToRemove(
  state: AuctionState,
  config: ProvisionalSettings,
  ip: string,
): string[] {
  if (config.provisionalSeconds === 0) return [];
  const removed = new Set<string>();
  const take = (key: string | undefined) => {
    if (key !== undefined) removed.add(key);
    return key !== undefined;
  };
  const { maxProvisional, maxProvisionalPerNetwork, maxUsers } = config;
  const inNetwork = maxProvisionalPerNetwork > 0 ? provisionalInNetwork(state, ip) : 0;
  while (maxProvisionalPerNetwork > 0 && inNetwork - removed.size >= maxProvisionalPerNetwork) {
    if (!take(oldestProvisional(state, { ip, except: removed }))) break;
  }
  while (maxProvisional > 0 && provisionalCount(state) - removed.size >= maxProvisional) {
    if (!take(oldestProvisional(state, { except: removed }))) break;
  }
  const users = Object.keys(state.users).length;
  while (maxUsers > 0 && users - removed.size >= maxUsers) {
    if (!take(oldestProvisional(state, { except: removed }))) break;
  }
  return [...removed].map((key) => state.users[key]?.name ?? key);
}
