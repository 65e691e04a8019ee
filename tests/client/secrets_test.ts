/**
 * Passwords, session keys and terminal-acting characters kept out of what the client prints:
 * typed lines, history, JSON records, log lines and the shell's lines.
 */
import assert from "node:assert/strict";
import { eventToJson, messageToJson } from "../../client/format.ts";
import { LineEditor } from "../../client/line_editor.ts";
import { createLogger } from "../../client/log.ts";
import {
  containsPassword,
  hideSessionKeys,
  jsonLine,
  maskPassword,
  maskSecretAnswer,
  terminalLine,
} from "../../client/secrets.ts";
import { decodeLine } from "../../protocol/mod.ts";

const KEY = "0123456789abcdef0123456789abcdef";

Deno.test({
  name: "maskPassword() masks the password of a typed register or login, keeping the length",
  permissions: "none",
  fn: () => {
    assert.equal(maskPassword("login ann Secret9"), "login ann *******");
    assert.equal(maskPassword("  LOGIN ann Secret9"), "  LOGIN ann *******");
    assert.equal(maskPassword('register ann buyer "my pass"'), "register ann buyer *********");
    assert.equal(maskPassword('register ann buyer "my pass"').length, 28);
    assert.doesNotMatch(maskPassword('register ann buyer "my pass"'), /my|pass/);
    for (const line of ["login", "login ann", "register ann buyer", "bid Kite 30", "items"]) {
      assert.equal(maskPassword(line), line);
      assert.equal(containsPassword(line), false);
    }
    assert.equal(containsPassword("login ann x"), true);
    assert.equal(containsPassword("register ann seller x"), true);
  },
});

Deno.test({
  name: "the line editor shows a typed password masked and keeps the line out of history",
  permissions: "none",
  fn: () => {
    const editor = new LineEditor();
    for (const key of "login ann Secret9") editor.handle(key);
    assert.match(editor.render("ann> "), /ann> login ann \*{7}$/);
    assert.deepEqual(editor.handle("\r"), { kind: "submit", line: "login ann Secret9" });
    for (const key of "items") editor.handle(key);
    editor.handle("\r");
    editor.handle("\x1b[A");
    assert.equal(editor.text, "items");
    editor.handle("\x1b[A");
    // Only "items" is in the history: the login line with its password is not.
    assert.equal(editor.text, "items");
  },
});

Deno.test({
  name: "JSON records carry no session key and no typed password",
  permissions: "none",
  fn: () => {
    const registered = messageToJson(
      decodeLine(`REGISTERED 7 key=${KEY}`),
      `REGISTERED 7 key=${KEY}`,
    );
    assert.deepEqual(registered, { type: "REGISTERED", rq: 7, raw: "REGISTERED 7 key=***" });
    const login = `LOGIN_SUCCESS 8 role=buyer key=${KEY}`;
    assert.deepEqual(messageToJson(decodeLine(login), login), {
      type: "LOGIN_SUCCESS",
      rq: 8,
      role: "buyer",
      raw: "LOGIN_SUCCESS 8 role=buyer key=***",
    });
    assert.deepEqual(
      eventToJson({ type: "error", error: "Too many words", line: "login ann Secret9 extra" }),
      { type: "error", error: "Too many words", line: "login ann *************" },
    );
    assert.deepEqual(
      eventToJson({
        type: "sent",
        request: "DE-REGISTER",
        rq: 3,
        raw: `DE-REGISTER 3 ann key=${KEY}`,
      }),
      { type: "sent", request: "DE-REGISTER", rq: 3, raw: "DE-REGISTER 3 ann key=***" },
    );
    assert.equal(
      hideSessionKeys(`BID 4 Kite 30.00 key=${KEY.toUpperCase()}`),
      "BID 4 Kite 30.00 key=***",
    );
  },
});

Deno.test({
  name: "log lines carry no session key and no character that acts on a terminal",
  permissions: "none",
  fn: () => {
    const lines: string[] = [];
    const logger = createLogger("debug", (line) => lines.push(line));
    logger.info("Received", { line: `REGISTERED 7 key=${KEY}` });
    logger.warn("Odd \u202egnp.exe", { reason: "a\x1b[2Jb\u009bc" });
    assert.doesNotMatch(lines.join("\n"), new RegExp(KEY));
    assert.match(lines[0]!, /line="REGISTERED 7 key=\*\*\*"/);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(lines[1]!, /[\u001b\u009b\u202e]/);
    assert.match(lines[1]!, /Odd \\u202egnp\.exe/);
  },
});

Deno.test({
  name: "jsonLine() escapes C1 and bidirectional controls too, and parses back to the same text",
  permissions: "none",
  fn: () => {
    const record = { raw: "a\u202eb\u2066c\u009bd\x7fe\x1bf" };
    const line = jsonLine(record);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    assert.match(line, /\\u202e/);
    assert.deepEqual(JSON.parse(line), record);
    assert.equal(terminalLine("x\u202ey\x1b[31m"), "x\\u202ey\\u001b[31m");
  },
});

Deno.test({
  name: "a card typed at a secret question shows one * per digit, its spaces and dashes kept",
  permissions: "none",
  fn: () => {
    const editor = new LineEditor();
    editor.masked = true;
    assert.equal(editor.shown("4111-1111-1111-1111"), "****-****-****-****");
    assert.equal(editor.shown("4000 0000 0000 0002"), "**** **** **** ****");
    assert.equal(editor.shown("4111111111111111"), "*".repeat(16));
    // A password is masked whole: a dash in it is not a separator.
    assert.equal(maskSecretAnswer("p4ss-w0rd"), "*********");
    assert.equal(maskSecretAnswer(""), "");
  },
});
