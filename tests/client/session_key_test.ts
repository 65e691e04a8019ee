/**
 * The running client against a fake server over real UDP: the password REGISTER and LOGIN
 * carry, the session key sent on every later request, what a refused key or a moved session
 * reports, and that no password or key reaches a JSON record.
 */
import assert from "node:assert/strict";
import { parseClientFlags } from "../../client/flags.ts";
import type { JsonRecord } from "../../client/format.ts";
import { createLogger } from "../../client/log.ts";
import { FilePasswordStore, type PasswordStoreAccess } from "../../client/password_store.ts";
import { JsonOutput, runScript } from "../../client/script.ts";
import { AuctionClient } from "../../client/session.ts";
import type { Timers } from "../../client/timers.ts";
import { FakeTimers } from "../_support/fake_timers.ts";
import { waitUntil } from "../_support/wait.ts";

const UTF8 = new TextEncoder();
const K1 = "11111111111111111111111111111111";
const K2 = "2222222222222222222222222222222a";

/** A UDP server whose replies the test writes: `answer(line)` returns the reply or null. */
class FakeServer {
  readonly socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly requests: string[] = [];
  answer: (type: string, rq: string, line: string) => string | null = () => null;
  readonly #loop = this.#serve();

  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }

  /** The last request of `type`. */
  last(type: string): string {
    const found = this.requests.findLast((line) => line.startsWith(`${type} `));
    assert.ok(found, `no ${type} in ${this.requests.join(" | ")}`);
    return found;
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.#loop;
  }

  async #serve(): Promise<void> {
    while (true) {
      let datagram;
      try {
        datagram = await this.socket.receive();
      } catch {
        return;
      }
      const line = new TextDecoder().decode(datagram[0]);
      this.requests.push(line);
      const [type = "", rq = ""] = line.split(" ");
      const reply = this.answer(type, rq, line);
      if (reply !== null) await this.socket.send(UTF8.encode(reply), datagram[1]);
    }
  }
}

/** A client in scripted mode against `server`, whose script lines the test feeds one by one. */
async function scripted(
  server: FakeServer,
  options: { args?: string[]; passwords: PasswordStoreAccess; timers?: Timers },
) {
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags([
    "--server",
    `127.0.0.1:${server.port}`,
    "--host",
    "127.0.0.1",
    ...options.args ?? [],
  ]);
  const client = await AuctionClient.start(
    flags,
    output,
    createLogger("error", () => {}),
    options.timers,
    { passwords: options.passwords },
  );
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const input = {
    async *[Symbol.asyncIterator]() {
      while (true) {
        const line = lines.shift();
        if (line !== undefined) yield line;
        else if (ended) return;
        else await new Promise<void>((resolve) => wake = resolve);
      }
    },
  };
  const script = runScript(client, output, input);
  return {
    client,
    records,
    /** Runs one script line and waits until it wrote `count` more records. */
    async run(line: string, count = 1): Promise<JsonRecord[]> {
      const before = records.length;
      lines.push(line);
      wake?.();
      await waitUntil(() => records.length >= before + count, `records after "${line}"`);
      return records.slice(before);
    },
    async end(): Promise<number> {
      ended = true;
      wake?.();
      const code = await script;
      await client.close();
      return code;
    },
  };
}

async function withStore(test: (passwords: PasswordStoreAccess, folder: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "session-key-" });
  const folder = `${dir}/auction-client`;
  try {
    await test({ available: true, store: new FilePasswordStore(folder) }, folder);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the client sends the key of REGISTERED on every later request, then LOGIN's new key", async () => {
  await withStore(async (passwords, folder) => {
    const server = new FakeServer();
    server.answer = (type, rq) =>
      ({
        REGISTER: `REGISTERED ${rq} key=${K1}`,
        LOGIN: `LOGIN_SUCCESS ${rq} role=buyer key=${K2.toUpperCase()}`,
        BID: `BID_ACCEPTED ${rq}`,
        SUBSCRIBE: `SUBSCRIBED ${rq}`,
      })[type] ?? null;
    const script = await scripted(server, { passwords });
    try {
      const [registered, kept] = await script.run("register ann buyer", 2);
      assert.deepEqual(registered, {
        type: "REGISTERED",
        rq: registered!.rq,
        raw: `REGISTERED ${registered!.rq} key=***`,
      });
      // The password was made up and kept in a 0600 file; the record names the file only.
      const register = server.last("REGISTER");
      const password = /^REGISTER \d+ ann buyer 127\.0\.0\.1 \d+ \d+ ([\w-]{24})$/.exec(register)
        ?.[1];
      assert.ok(password, register);
      assert.deepEqual(kept, {
        type: "password",
        action: "kept",
        user: "ann",
        file: `${folder}/127.0.0.1_${server.port}_ann.json`,
      });
      assert.equal((await Deno.stat(kept!.file as string)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(folder)).mode! & 0o777, 0o700);

      await script.run("subscribe Kite");
      await script.run("bid Kite 30");
      assert.match(server.last("BID"), new RegExp(`^BID \\d+ Kite 30\\.00 key=${K1}$`));
      await script.run("subscribe Lamp");
      assert.match(server.last("SUBSCRIBE"), new RegExp(`^SUBSCRIBE \\d+ Lamp key=${K1}$`));

      // LOGIN (no role asked, none needed) reads the kept password back; its key replaces K1.
      await script.run("login");
      assert.match(server.last("LOGIN"), new RegExp(`^LOGIN \\d+ ann \\d+ ${password} key=${K1}$`));
      await script.run("bid Kite 31");
      assert.match(server.last("BID"), new RegExp(`^BID \\d+ Kite 31\\.00 key=${K2}$`));

      // No key and no password in any record.
      const printed = JSON.stringify(script.records);
      for (const secret of [K1, K2, K2.toUpperCase(), password]) {
        assert.equal(printed.includes(secret), false, secret);
      }
      assert.equal(await script.end(), 0);
    } finally {
      await server.close();
    }
  });
});

Deno.test("without a key in the reply the client sends none, and DE-REGISTER drops the key", async () => {
  await withStore(async (passwords) => {
    const server = new FakeServer();
    let issueKey = true;
    server.answer = (type, rq) =>
      ({
        REGISTER: issueKey ? `REGISTERED ${rq} key=${K1}` : `REGISTERED ${rq}`,
        SUBSCRIBE: `SUBSCRIBED ${rq}`,
        BID: `BID_ACCEPTED ${rq}`,
      })[type] ?? null;
    const script = await scripted(server, { passwords });
    try {
      await script.run("register ann buyer", 2);
      const [sent] = await script.run("deregister");
      assert.match(server.last("DE-REGISTER"), new RegExp(`^DE-REGISTER \\d+ ann key=${K1}$`));
      // The `sent` record does not show the key.
      assert.equal(sent!.type, "sent");
      assert.doesNotMatch(sent!.raw as string, /key=/);

      issueKey = false;
      // The password kept for ann is used again: no new file, no `kept` record.
      const records = await script.run("register ann buyer");
      assert.deepEqual(records.map((record) => record.type), ["REGISTERED"]);
      // Subscribed first: the bid goes alone (a bid on an item not followed subscribes).
      await script.run("subscribe Kite");
      await script.run("bid Kite 30");
      assert.match(server.last("BID"), /^BID \d+ Kite 30\.00$/);
      assert.equal(await script.end(), 0);
    } finally {
      await server.close();
    }
  });
});

Deno.test("a retransmitted request resends the same bytes, key included", async () => {
  await withStore(async (passwords) => {
    const server = new FakeServer();
    const timers = new FakeTimers();
    let bids = 0;
    server.answer = (type, rq) => {
      if (type === "REGISTER") return `REGISTERED ${rq} key=${K1}`;
      if (type === "SUBSCRIBE") return `SUBSCRIBED ${rq}`;
      if (type === "BID" && ++bids === 2) return `BID_ACCEPTED ${rq}`;
      return null;
    };
    const script = await scripted(server, { passwords, timers });
    try {
      await script.run("register ann buyer", 2);
      await script.run("subscribe Kite");
      const accepted = script.run("bid Kite 30");
      await waitUntil(() => bids === 1, "the first BID");
      timers.advance(1500);
      await accepted;
      const copies = server.requests.filter((line) => line.startsWith("BID "));
      assert.equal(copies.length, 2);
      assert.equal(copies[0], copies[1]);
      assert.match(copies[0]!, new RegExp(` key=${K1}$`));
      assert.equal(await script.end(), 0);
    } finally {
      await server.close();
    }
  });
});

Deno.test("a refused key or a session moved elsewhere is reported as a lost session", async () => {
  await withStore(async (passwords) => {
    const server = new FakeServer();
    let bidReason = "Not registered: REGISTER or LOGIN from this address first";
    server.answer = (type, rq) =>
      ({
        REGISTER: `REGISTERED ${rq} key=${K1}`,
        SUBSCRIBE: `SUBSCRIBED ${rq}`,
        BID: `BID_REJECTED ${rq} ${bidReason}`,
      })[type] ?? null;
    const script = await scripted(server, { passwords });
    try {
      await script.run("subscribe Kite");
      // Before any session, "Not registered" is only a refusal.
      assert.deepEqual((await script.run("bid Kite 30")).map((record) => record.type), [
        "BID_REJECTED",
      ]);
      await script.run("register ann buyer", 2);
      const [refused, moved] = await script.run("bid Kite 31", 2);
      assert.equal(refused!.type, "BID_REJECTED");
      assert.deepEqual(moved, {
        type: "session",
        action: "lost",
        user: "ann",
        cause: "moved",
        reason: "Not registered: REGISTER or LOGIN from this address first",
      });
      bidReason = "Session key missing or wrong";
      const [, lost] = await script.run("bid Kite 32", 2);
      assert.deepEqual(lost, {
        type: "session",
        action: "lost",
        user: "ann",
        cause: "key",
        reason: "Session key missing or wrong",
      });
      assert.equal(await script.end(), 1);
    } finally {
      await server.close();
    }
  });
});

Deno.test("a REGISTER refused forgets the password just made up for it", async () => {
  await withStore(async (passwords) => {
    const server = new FakeServer();
    server.answer = (type, rq) =>
      type === "REGISTER" ? `REGISTER-DENIED ${rq} Name "ann" is taken` : null;
    const script = await scripted(server, { passwords });
    try {
      await script.run("register ann buyer");
      // The script ends once the register command has finished, its clean-up included.
      assert.equal(await script.end(), 1);
      assert.ok(passwords.available);
      assert.equal(await passwords.store.get(`127.0.0.1:${server.port}`, "ann"), undefined);
    } finally {
      await server.close();
    }
  });
});

Deno.test("scripted register and login without a password folder say what to pass, and send nothing", async () => {
  const server = new FakeServer();
  server.answer = (type, rq) => (type === "REGISTER" ? `REGISTERED ${rq}` : null);
  const reason = "it may not use /nowhere/auction-client (run it with --allow-env=...)";
  const script = await scripted(server, { passwords: { available: false, reason } });
  try {
    const [registerError] = await script.run("register ann buyer");
    assert.equal(registerError!.type, "error");
    assert.equal(
      registerError!.error,
      `register needs a password, and this client cannot keep one: ${reason}. ` +
        `Or pass --password PASSWORD, or write "register NAME ROLE PASSWORD".`,
    );
    const [loginError] = await script.run("login ann");
    assert.equal(
      loginError!.error,
      `login needs ann's password: this client cannot keep passwords: ${reason}. ` +
        `Pass --password PASSWORD, or write "login NAME PASSWORD".`,
    );
    assert.deepEqual(server.requests, []);
    // A password given in the line is used as it is, and never printed.
    const [registered] = await script.run("register ann buyer Typed-Secret9");
    assert.equal(registered!.type, "REGISTERED");
    assert.match(server.last("REGISTER"), / Typed-Secret9$/);
    assert.equal(JSON.stringify(script.records).includes("Typed-Secret9"), false);
    assert.equal(await script.end(), 2);
  } finally {
    await server.close();
  }
});
