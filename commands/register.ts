import { message, type MessageOf } from "../protocol/mod.ts";
import { type AuctionState, nameKey } from "../auction/state.ts";
import { usersFromIp } from "../auction/indexes.ts";
import type { PasswordHash } from "../auction/password_record.ts";
import { CommandError, type CommandSettings, defineCommand } from "./define.ts";
import { provisionalCanGiveWay, provisionalToRemove } from "./_provisional.ts";

/** REGISTER RQ# Name Role IP UDP_Port TCP_Port [Password] */
export default defineCommand<"REGISTER", PasswordHash | undefined>({
  name: "REGISTER",
  summary: "Register a buyer or seller; the datagram's source becomes the session address",
  anySender: true,
  prepare(request, context) {
    // The cheap refusals come before the hash, so a flood of taken names costs no hashing.
    refuseEarly(request, context.state, context.config, context.sender.hostname);
    return request.password === undefined
      ? Promise.resolve(undefined)
      : context.passwords.hash(request.password, context.sender.hostname);
  },
  handle(request, context, password) {
    refuseEarly(request, context.state, context.config, context.sender.hostname);
    const provisional = context.config.provisionalSeconds > 0;
    // Over a provisional cap (or --max-users), the oldest provisional accounts make room.
    const removed = provisionalToRemove(context.state, context.config, context.sender.hostname);
    if (removed.length > 0) {
      context.emit({ type: "accounts_expired", atMs: context.nowMs, names: removed });
    }
    // A password account gets a session key; the state keeps only its hash.
    const session = password ? context.newSessionKey() : undefined;
    context.emit({
      type: "user_registered",
      atMs: context.nowMs,
      name: request.name,
      role: request.role,
      declaredIp: request.ip,
      udpPort: request.udpPort,
      tcpPort: request.tcpPort,
      session: context.sender,
      ...(password
        ? {
          passwordHash: password.hash,
          passwordSalt: password.salt,
          passwordIterations: password.iterations,
        }
        : {}),
      ...(session ? { sessionKeyHash: session.keyHash } : {}),
      sessionUnproven: true,
      ...(provisional ? { provisional: true as const } : {}),
    });
    return message("REGISTERED", request.rq, session ? { key: session.key } : {});
  },
});

/**
 * The refusals that need no hashing: a taken name, a full server, too many accounts from the
 * sender's IP, a missing password.
 */
function refuseEarly(
  request: MessageOf<"REGISTER">,
  state: Readonly<AuctionState>,
  config: Readonly<CommandSettings>,
  senderIp: string,
): void {
  if (state.users[nameKey(request.name)]) throw new CommandError("User name is already taken");
  const { maxUsers, maxUsersPerIp } = config;
  if (
    maxUsers > 0 && Object.keys(state.users).length >= maxUsers &&
    !provisionalCanGiveWay(state, config)
  ) {
    throw new CommandError(`Server is full: at most ${maxUsers} users`);
  }
  if (maxUsersPerIp > 0 && usersFromIp(state, senderIp) >= maxUsersPerIp) {
    throw new CommandError(`Too many accounts from this address: at most ${maxUsersPerIp}`);
  }
  if (config.requirePassword && request.password === undefined) {
    throw new CommandError(
      "A password is required: REGISTER Name Role IP UDP_Port TCP_Port Password",
    );
  }
}
