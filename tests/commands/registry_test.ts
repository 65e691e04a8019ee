import assert from "node:assert/strict";
import { COMMANDS, commandTable } from "../../commands/mod.ts";
import { type ClientMessageType, MESSAGES } from "../../protocol/mod.ts";

const COMMANDS_DIR = new URL("../../commands/", import.meta.url);
const NOT_COMMANDS = new Set(["mod.ts", "define.ts"]);

/** Client-to-server messages that arrive over UDP and therefore need a command. */
const UDP_REQUESTS = (Object.keys(MESSAGES) as ClientMessageType[]).filter((type) =>
  MESSAGES[type].from === "client" && MESSAGES[type].over === "udp"
);

Deno.test("every module in commands/ is registered in commands/mod.ts", async () => {
  const registered = new Set<string>();
  const source = await Deno.readTextFile(new URL("mod.ts", COMMANDS_DIR));
  for (const match of source.matchAll(/from "\.\/([a-z_]+\.ts)"/g)) registered.add(match[1]!);
  for await (const entry of Deno.readDir(COMMANDS_DIR)) {
    if (!entry.isFile || NOT_COMMANDS.has(entry.name) || entry.name.startsWith("_")) continue;
    assert.ok(registered.has(entry.name), `commands/${entry.name} is not imported by mod.ts`);
  }
  assert.equal(COMMANDS.length, registered.size - 1, "every imported command is in COMMANDS");
});

Deno.test("no two commands claim one message name", () => {
  const names = COMMANDS.map((command) => command.name);
  assert.equal(new Set(names).size, names.length);
  assert.throws(() => commandTable([COMMANDS[0]!, COMMANDS[0]!]), /Two commands claim/);
});

Deno.test("every client-to-server UDP message of PROTOCOL.md has a command", () => {
  const table = commandTable();
  const missing = UDP_REQUESTS.filter((type) => !table.has(type));
  assert.deepEqual(missing, [], `messages without a command: ${missing.join(", ")}`);
});
