import { message } from "../protocol/mod.ts";
import { hashPassword, type PasswordHash } from "../server/passwords.ts";
import { nameKey, usersFromIp } from "../server/state.ts";
import { CommandError, defineCommand } from "./define.ts";

/** REGISTER RQ# Name Role IP UDP_Port TCP_Port [Password] */
export default defineCommand<"REGISTER", PasswordHash | undefined>({
  name: "REGISTER",
  summary: "Register a buyer or seller; the datagram's source becomes the session address",
  prepare(request) {
    return request.password === undefined
      ? Promise.resolve(undefined)
      : hashPassword(request.password);
  },
  handle(request, context, password) {
    const key = nameKey(request.name);
    if (context.state.users[key]) throw new CommandError("User name is already taken");
    const { maxUsers } = context.config;
    if (maxUsers > 0 && Object.keys(context.state.users).length >= maxUsers) {
      throw new CommandError(`Server is full: at most ${maxUsers} users`);
    }
    const { maxUsersPerIp } = context.config;
    if (maxUsersPerIp > 0 && usersFromIp(context.state, context.sender.hostname) >= maxUsersPerIp) {
      throw new CommandError(`Too many accounts from this address: at most ${maxUsersPerIp}`);
    }
    context.emit({
      type: "user_registered",
      atMs: context.nowMs,
      name: request.name,
      role: request.role,
      declaredIp: request.ip,
      udpPort: request.udpPort,
      tcpPort: request.tcpPort,
      session: context.sender,
      ...(password ? { passwordHash: password.hash, passwordSalt: password.salt } : {}),
    });
    return message("REGISTERED", request.rq, {});
  },
});
