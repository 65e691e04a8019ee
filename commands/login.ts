import { message } from "../protocol/mod.ts";
import { constantTimeEqual, hashPassword } from "../server/passwords.ts";
import { nameKey } from "../server/state.ts";
import { CommandError, defineCommand } from "./define.ts";

/** LOGIN RQ# Name [TCP_Port] [Password] */
export default defineCommand<"LOGIN", string | undefined>({
  name: "LOGIN",
  summary: "Reattach a user's session to the sender's address (and update its TCP port)",
  async prepare(request, { state }) {
    const salt = state.users[nameKey(request.name)]?.passwordSalt;
    if (salt === undefined || request.password === undefined) return undefined;
    return (await hashPassword(request.password, salt)).hash;
  },
  handle(request, context, passwordHash) {
    const user = context.state.users[nameKey(request.name)];
    if (!user) throw new CommandError("Unknown user");
    if (user.passwordHash !== undefined) {
      if (request.password === undefined) throw new CommandError("Password required");
      if (passwordHash === undefined || !constantTimeEqual(passwordHash, user.passwordHash)) {
        throw new CommandError("Wrong password");
      }
    }
    context.emit({
      type: "user_logged_in",
      atMs: context.nowMs,
      name: user.name,
      session: context.sender,
      ...(request.tcpPort === undefined ? {} : { tcpPort: request.tcpPort }),
    });
    return message("LOGIN_SUCCESS", request.rq, { role: user.role });
  },
});
