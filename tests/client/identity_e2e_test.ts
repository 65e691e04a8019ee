/**
 * The bundled client in scripted mode, as documented (network plus its password folder), with
 * the real server: register makes up and keeps a password, login on the same machine needs
 * no typing and no role, the old client is told its session moved; without the folder's
 * permissions it says what to pass; at start it checks that the server answers.
 */
import assert from "node:assert/strict";
import { ClientProcess, ensureBundle } from "../_support/client_process.ts";
import { startServerProcess } from "../_support/server_process.ts";

Deno.test("login on the same machine reuses the password register made up; the old client hears its session moved", async () => {
  await ensureBundle();
  const server = await startServerProcess();
  const configHome = await Deno.makeTempDir({ prefix: "auction-client-" });
  const common = ["--server", `127.0.0.1:${server.udpPort}`, "--name", "ann"];
  const first = new ClientProcess([...common, "--role", "buyer"], { configHome });
  let second: ClientProcess | undefined;
  try {
    await first.send("register");
    await first.waitForType("REGISTERED");
    const kept = await first.waitForType("password");
    const folder = `${configHome}/auction-client`;
    assert.equal(kept.file, `${folder}/127.0.0.1_${server.udpPort}_ann.json`);
    assert.equal((await Deno.stat(folder)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(kept.file as string)).mode! & 0o777, 0o600);
    const { password } = JSON.parse(await Deno.readTextFile(kept.file as string));
    assert.match(password, /^[\w-]{24}$/);

    // Another client on this machine, no role and no password given: login just works.
    second = new ClientProcess(common, { configHome });
    await second.send("login");
    const loggedIn = await second.waitForType("LOGIN_SUCCESS");
    assert.equal(loggedIn.role, "buyer");

    // The first client's session moved: it is told so, and what to do. (Its bid subscribes to
    // Kite first, and that is refused.)
    await first.send("bid Kite 30");
    await first.waitForType("SUBSCRIPTION-DENIED");
    const lost = await first.waitForType("session");
    assert.equal(lost.action, "lost");
    assert.equal(lost.user, "ann");
    assert.equal(lost.cause, "moved");

    assert.equal(await second.end(), 0, second.stderr);
    assert.equal(await first.end(), 1, first.stderr);
    for (const client of [first, second]) {
      assert.equal(client.stdout.includes(password), false);
      assert.equal(client.stderr.includes(password), false);
    }
  } finally {
    first.kill();
    second?.kill();
    await server.stop();
    await Deno.remove(configHome, { recursive: true });
  }
});

Deno.test("without the password folder's permissions, register says what to pass", async () => {
  await ensureBundle();
  const server = await startServerProcess();
  const client = new ClientProcess(
    ["--server", `127.0.0.1:${server.udpPort}`, "--name", "bo", "--role", "buyer"],
    { passwordFolder: false },
  );
  try {
    await client.send("register");
    const error = await client.waitForType("error");
    assert.match(
      error.error as string,
      /^register needs a password, and this client cannot keep one: .*--allow-env=XDG_CONFIG_HOME,HOME --allow-read=.*auction-client --allow-write=.*auction-client.*--password PASSWORD/,
    );
    // With a password given, it registers.
    await client.send("register bo buyer Given-Secret1");
    await client.waitForType("REGISTERED");
    assert.equal(await client.end(), 2);
    assert.equal(client.stdout.includes("Given-Secret1"), false);
  } finally {
    client.kill();
    await server.stop();
  }
});

Deno.test("at start the client says when the server does not answer PING, then when it does", async () => {
  await ensureBundle();
  const silent = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (silent.addr as Deno.NetAddr).port;
  // Counted from the spawn: the client's 5 s start before it, however late the test reads
  // its "ready" line on a loaded machine.
  const spawnedMs = Date.now();
  const client = new ClientProcess(["--server", `127.0.0.1:${port}`]);
  let answering = false;
  const loop = (async () => {
    while (true) {
      let datagram;
      try {
        datagram = await silent.receive();
      } catch {
        return;
      }
      const [type, rq] = new TextDecoder().decode(datagram[0]).split(" ");
      if (answering && type === "PING") {
        await silent.send(new TextEncoder().encode(`PONG ${rq}`), datagram[1]);
      }
    }
  })();
  try {
    const ready = await client.waitForType("ready");
    const unreachable = await client.waitForType("unreachable", undefined, 20_000);
    assert.ok(Date.now() - spawnedMs >= 4_900, `unreachable after ${Date.now() - spawnedMs} ms`);
    assert.deepEqual(unreachable, { type: "unreachable", server: `127.0.0.1:${port}`, seconds: 5 });
    assert.equal(client.records.indexOf(ready), 0);
    answering = true;
    const reachable = await client.waitForType("reachable", undefined, 30_000);
    assert.deepEqual(reachable, { type: "reachable", server: `127.0.0.1:${port}` });
    assert.equal(await client.end(), 0);
  } finally {
    client.kill();
    silent.close();
    await loop;
  }
});
