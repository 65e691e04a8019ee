/**
 * The sale and the data folder, attacked from outside against the real server process: secrets
 * in requests (malformed, misspelled, over UDP and over the server's TCP port) and in a sale's
 * INFORM_Res lines never reach the log or the data folder; the folder is 0700 and its files
 * 0600; a snapshot edited by hand is refused at start; a folder the server cannot write is
 * refused at start; a torn unacknowledged last batch is dropped with a warning.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeRecord, listSegments } from "../../server/store/journal.ts";
import { SNAPSHOT_FILE } from "../../server/store/snapshot.ts";
import { startServerProcess } from "../_support/server_process.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

/** Requests an attacker (or a careless client) sends, each holding a secret. */
const REQUESTS = [
  "REGISTER 1 Carol buyer 127.0.0.1 5000 CarolSecret9",
  "register 2 Carol buyer 127.0.0.1 CarolSecret9",
  `REGISTER 3 Dave buyer 127.0.0.1 5000 5001 "Dave Secret Words" key=${KEY}`,
  "LOGIN 4 Carol CarolSecret9",
  `login 5 Carol 5000 CarolSecret9 key=${KEY}`,
  "LOG-IN 6 Carol 70000 CarolSecret9",
  `BID 7 Kite 25.00 key=${KEY}`,
  `BID 8 Kite 25.00 ${KEY}`,
  "INFORM_Res 9 Bob 4111  1111  1111  1111 11/31 1 Main St",
  "inform_res 10 Bob 4111111111111111 11/31 x",
  "INFORM-RES 11 Bob 4111-1111-1111-1111 11/31 x",
  "INFORMRes 12 Bob 4111.1111.1111.1111 11/31 x",
  "Inform Res 13 Bob 4111 1111 1111 1111 11/31 x",
  "BID 14 Kite 4111 1111 1111 1111",
  "DENIED 15 4111-1111-1111-1111 11/31",
  'LIST_ITEM 16 Kite "card 4111 1111 1111 1111 exp 11/31" 10.00 5',
  `DE-REGISTER 17 Carol key=${KEY}`,
];

/** What must never be in the log or a file of the data folder. */
const SECRETS = [
  "CarolSecret9",
  "Secret Words",
  KEY,
  "4111111111111111",
  "4111  1111",
  "4111 1111 1111",
  "4111-1111-1111",
  "4111.1111.1111",
  "5555555555554444",
  "5555 5555 5555",
  "11/31",
  "BuyerPass7",
  "SellerPass8",
];

async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) files.push(join(dir, entry.name));
  }
  return files;
}

function assertNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} is in ${where}`);
}

/** Sends `line` to the server's TCP port and waits for one reply line (or the close). */
async function overTcp(port: number, line: string): Promise<void> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(new TextEncoder().encode(`${line}\n`));
    const buffer = new Uint8Array(4096);
    const deadline = setTimeout(() => connection.close(), 5000);
    try {
      await connection.read(buffer);
    } finally {
      clearTimeout(deadline);
    }
  } catch {
    // Closed by the deadline or by the server: either way the line was handled.
  } finally {
    try {
      connection.close();
    } catch {
      // Already closed.
    }
  }
}

Deno.test("secrets in requests and in a sale never reach the log or the data folder; modes 0700/0600", async () => {
  const server = await startServerProcess({
    args: ["--duration-unit", "seconds", "--inform-timeout", "5", "--announce-interval", "0"],
  });
  const attacker = new UdpPeer({ port: server.udpPort });
  const sellerUdp = new UdpPeer({ port: server.udpPort });
  const buyerUdp = new UdpPeer({ port: server.udpPort });
  const sellerTcp = new TcpPeer();
  const buyerTcp = new TcpPeer();
  try {
    for (const line of REQUESTS) {
      await attacker.request(line, 3000).catch(() => {}); // some have no reply
      await overTcp(server.tcpPort, line);
    }
    // A sale whose INFORM_Res lines hold the cards in awkward forms.
    sellerTcp.onLine = (line, reply) => {
      const rq = /^INFORM_Req (\d+) /.exec(line)?.[1];
      if (rq) reply(`INFORM-RES ${rq} sam "5555 5555 5555 4444" 11/31 9 Side St\n`).catch(() => {});
    };
    buyerTcp.onLine = (line, reply) => {
      const rq = /^INFORM_Req (\d+) /.exec(line)?.[1];
      if (rq) {
        reply(`inform_res ${rq} Bea 4111  1111  1111  1111 11/31 1 Main St\n`).catch(() => {});
      }
    };
    const register = (name: string, role: string, udp: UdpPeer, tcp: TcpPeer, password: string) =>
      udp.request(
        `REGISTER 20 ${name} ${role} 127.0.0.1 ${udp.port} ${tcp.port} ${password}`,
        10_000,
      );
    assert.equal(
      (await register("sam", "seller", sellerUdp, sellerTcp, "SellerPass8")).type,
      "REGISTERED",
    );
    assert.equal(
      (await register("bea", "buyer", buyerUdp, buyerTcp, "BuyerPass7")).type,
      "REGISTERED",
    );
    const withKey = (udp: UdpPeer, line: string) => {
      const key = udp.received.find((message) =>
        message.type === "REGISTERED" && "key" in message
      ) as
        | { key?: string }
        | undefined;
      return key?.key ? `${line} key=${key.key}` : line;
    };
    const listed = await sellerUdp.request(
      withKey(sellerUdp, 'LIST_ITEM 21 Lamp "A lamp" 10.00 2'),
    );
    assert.equal(listed.type, "ITEM_LISTED", JSON.stringify(listed));
    assert.equal(
      (await buyerUdp.request(withKey(buyerUdp, "BID 22 Lamp 40.50"))).type,
      "BID_ACCEPTED",
    );
    const last = await buyerTcp.waitForLine(/^(PAID|CANCEL) /, 15_000);
    assert.match(last, /^PAID \d+ Lamp 40\.50 1111$/, "the buyer is told the payment went through");
    await sellerTcp.waitForLine(/^Shipping_Info /);
    await buyerTcp.waitForEof();
    for (const connection of sellerTcp.connections) {
      try {
        connection.close();
      } catch {
        // Closed already.
      }
    }
  } finally {
    await Promise.all([attacker.close(), sellerUdp.close(), buyerUdp.close()]);
    await server.stop();
    await Promise.all([sellerTcp.close(), buyerTcp.close()]);
  }
  const output = server.output();
  assert.match(output, /Refused undecodable request/, "the log was captured");
  assert.match(output, /<payment details hidden>/);
  assertNoSecret(output, "the server's log");
  const files = await filesUnder(server.dataDir);
  assert.ok(files.some((file) => file.endsWith("payments.jsonl")));
  for (const file of files) assertNoSecret(await Deno.readTextFile(file), file);
  assert.equal((await Deno.stat(server.dataDir)).mode! & 0o777, 0o700, "data folder 0700");
  for (const file of files) assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600, file);
  await Deno.remove(server.dataDir, { recursive: true });
});

Deno.test("a snapshot edited by hand is refused at start with a clear message", async () => {
  const first = await startServerProcess();
  const udp = new UdpPeer({ port: first.udpPort });
  try {
    assert.equal(
      (await udp.request(`REGISTER 1 Ann seller 127.0.0.1 ${udp.port} 6001`)).type,
      "REGISTERED",
    );
  } finally {
    await udp.close();
    await first.stop(); // SIGTERM: a last snapshot
  }
  const path = join(first.dataDir, SNAPSHOT_FILE);
  const edited = (await Deno.readTextFile(path)).replace('"tcpPort": 6001', '"tcpPort": 6666');
  assert.match(edited, /6666/);
  await Deno.writeTextFile(path, edited);
  await assert.rejects(
    () => startServerProcess({ dataDir: first.dataDir }),
    /exited \(1\)[\s\S]*Cannot load snapshot .*state\.json: its checksum does not match[\s\S]*refusing to start/,
  );
  assert.equal(await Deno.readTextFile(path), edited, "nothing changed");
  await Deno.remove(first.dataDir, { recursive: true });
});

Deno.test("a data folder the server cannot write is refused at start with a clear error", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "auction-e2e-readonly-" });
  const elsewhere = await Deno.makeTempDir({ prefix: "auction-e2e-writable-" });
  try {
    // Root ignores file modes, so the process is denied writing there by Deno's permissions.
    const result = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-read",
        `--allow-write=${elsewhere}`,
        "--allow-env",
        `${ROOT}main.ts`,
        "server",
        "--host",
        "127.0.0.1",
        "--udp-port",
        "0",
        "--tcp-port",
        "0",
        "--data-dir",
        dataDir,
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 1, stderr);
    assert.match(stderr, new RegExp(`Cannot use the data folder ${dataDir}: it is not writable`));
    assert.doesNotMatch(stderr, /Listening on/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("a torn last batch the server never acknowledged is dropped with a warning at start", async () => {
  const first = await startServerProcess();
  const udp = new UdpPeer({ port: first.udpPort });
  try {
    assert.equal(
      (await udp.request(`REGISTER 1 Ann seller 127.0.0.1 ${udp.port} 6001`)).type,
      "REGISTERED",
    );
  } finally {
    await udp.close();
    await first.stop("SIGKILL"); // a crash: no last snapshot
  }
  const segments = await listSegments(first.dataDir);
  const path = join(first.dataDir, segments.at(-1)!.name);
  // What was written: a segment ends at its first NUL byte (the zeros written ahead).
  const before = (await Deno.readTextFile(path)).split("\0")[0]!;
  const lastSeq = Math.max(
    ...[...before.matchAll(/"seq":(\d+)/g)].map((match) => Number(match[1])),
  );
  const event = (name: string) => ({
    type: "user_registered" as const,
    atMs: 1,
    name,
    role: "buyer" as const,
    declaredIp: "127.0.0.1",
    udpPort: 7000,
    tcpPort: 7001,
    session: { hostname: "127.0.0.1", port: 7000 },
  });
  // A two-record batch persisted out of order: the first record damaged, the second whole,
  // its commit record missing.
  const damaged = encodeRecord(lastSeq + 1, event("Torn1")).replace("Torn1", "Tx rn");
  await Deno.writeTextFile(path, before + damaged + encodeRecord(lastSeq + 2, event("Torn2")));
  const second = await startServerProcess({ dataDir: first.dataDir });
  const udp2 = new UdpPeer({ port: second.udpPort });
  try {
    assert.match(
      second.output(),
      /Dropped a torn journal tail[\s\S]*unacknowledged last batch of 2/,
    );
    // Ann is still there (her name is taken); the torn batch's user is not.
    const again = await udp2.request(`REGISTER 2 Ann seller 127.0.0.1 ${udp2.port} 6001`);
    assert.equal(again.type, "REGISTER-DENIED");
    const torn = await udp2.request(`REGISTER 3 Torn2 buyer 127.0.0.1 ${udp2.port} 6001`);
    assert.equal(torn.type, "REGISTERED", "the unacknowledged record was dropped");
  } finally {
    await udp2.close();
    await second.stop();
  }
  await Deno.remove(first.dataDir, { recursive: true });
});
