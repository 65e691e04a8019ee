import { message } from "../protocol/mod.ts";
import { type PasswordHash, storedPasswordOf } from "../auction/password_record.ts";
import { nameKey } from "../auction/state.ts";
import { CommandError, defineCommand } from "./define.ts";

/** The one reason for an unknown name and a wrong (or missing) password. */
export const LOGIN_FAILED_REASON = "Unknown user or wrong password";

/** What LOGIN's password check found, to be confirmed against the state when it is handled. */
interface CheckedLogin {
  /** The stored hash the password matched. */
  matchedHash: string;
  /** The same password hashed again at today's iterations, when the stored hash was weaker. */
  upgraded?: PasswordHash;
}

/** LOGIN RQ# Name [TCP_Port] [Password] */
export default defineCommand<"LOGIN", CheckedLogin>({
  name: "LOGIN",
  summary: "Reattach a password account's session to the sender's address, with a new key",
  anySender: true,
  async prepare(request, { state, sender, nowMs, passwords, logins }) {
    const ip = sender.hostname;
    const attempt = { name: request.name, ip };
    const waitMs = logins.waitMs(attempt, nowMs);
    if (waitMs > 0) {
      throw new CommandError(
        `Too many failed logins for this name from this address: try again in ${
          Math.ceil(waitMs / 1000)
        } s`,
        { remembered: false },
      );
    }
    const user = state.users[nameKey(request.name)];
    if (user && user.passwordHash === undefined) {
      throw new CommandError(
        "This account has no password: it acts only from the address it registered from",
      );
    }
    if (request.password === undefined) {
      logins.fail(attempt, nowMs);
      throw new CommandError(LOGIN_FAILED_REASON);
    }
    const stored = storedPasswordOf(user);
    // An unknown name is checked against a dummy hash: same reason, about the same time.
    const verdict = await passwords.verify(request.password, { stored, ip });
    if (!stored || !verdict.match) {
      logins.fail(attempt, nowMs);
      throw new CommandError(LOGIN_FAILED_REASON);
    }
    logins.succeed(attempt);
    return {
      matchedHash: stored.hash,
      ...(verdict.upgraded ? { upgraded: verdict.upgraded } : {}),
    };
  },
  handle(request, context, checked) {
    const user = context.state.users[nameKey(request.name)];
    // The check holds only if the password did not change while it ran.
    if (!user || user.passwordHash !== checked.matchedHash) {
      throw new CommandError(LOGIN_FAILED_REASON);
    }
    const session = context.newSessionKey();
    context.emit({
      type: "user_logged_in",
      atMs: context.nowMs,
      name: user.name,
      session: context.sender,
      ...(request.tcpPort === undefined ? {} : { tcpPort: request.tcpPort }),
      sessionKeyHash: session.keyHash,
      ...(checked.upgraded ? { upgradedPassword: checked.upgraded } : {}),
      sessionUnproven: true,
    });
    return message("LOGIN_SUCCESS", request.rq, { role: user.role, key: session.key });
  },
});
