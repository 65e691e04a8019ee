import { nameKey } from "../server/state.ts";
import { defineCommand } from "./define.ts";

/** DE-REGISTER RQ# Name */
export default defineCommand({
  name: "DE-REGISTER",
  summary: "Remove the sender's own user and its subscriptions (no reply; unknown names ignored)",
  handle(request, context) {
    const key = nameKey(request.name);
    // Only the user's own session may remove it; anything else is ignored, as the table has no reply.
    if (context.userKey !== key) return undefined;
    context.emit({ type: "user_deregistered", atMs: context.nowMs, name: request.name });
    return undefined;
  },
});
