import { message } from "../protocol/mod.ts";
import { defineCommand } from "./define.ts";

/** PING RQ#: answered PONG RQ# from any address, so a client can tell that the server is there. */
export default defineCommand({
  name: "PING",
  summary: "Answer PONG: the server is there",
  anySender: true,
  handle(request) {
    return message("PONG", request.rq, {});
  },
});
