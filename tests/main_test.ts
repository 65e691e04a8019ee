import assert from "node:assert/strict";
import { startServerProcess } from "./_support/server_process.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("main.ts server with an unknown flag exits 2 with the message and the usage", async () => {
  const { code, stdout, stderr } = await runMain(["server", "--bogus"]);
  assert.equal(code, 2);
  assert.match(stderr, /error: .*bogus/);
  assert.match(stderr, /Usage: deno task server \[flags\]/);
  assert.equal(stdout, "");
});

Deno.test("main.ts server with a bad value exits 2 with the usage", async () => {
  const { code, stderr } = await runMain(["server", "--udp-port", "99999"]);
  assert.equal(code, 2);
  assert.match(stderr, /--udp-port must be a whole number/);
  assert.match(stderr, /--max-users N/);
});

Deno.test("main.ts server --help prints the usage and exits 0", async () => {
  const { code, stdout } = await runMain(["server", "--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /Usage: deno task server \[flags\]/);
  for (const flag of ["--host", "--udp-port", "--tcp-port", "--data-dir", "--duration-unit"]) {
    assert.ok(stdout.includes(flag), `usage names ${flag}`);
  }
});

Deno.test("main.ts server exits 1 with a clear message when its port is taken", async () => {
  const taken = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const dataDir = await Deno.makeTempDir({ prefix: "auction-main-" });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const { code, stderr } = await runMain([
      "server",
      "--host",
      "127.0.0.1",
      "--udp-port",
      String(port),
      "--tcp-port",
      "0",
      "--http-port",
      "0",
      "--data-dir",
      dataDir,
    ]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      new RegExp(
        `error: cannot start the server on 127\\.0\\.0\\.1: AddrInUse: UDP port ${port} is in use ` +
          `\\(pick another with --udp-port\\)`,
      ),
    );
    assert.doesNotMatch(stderr, /Uncaught|at startServer/);
  } finally {
    taken.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("main.ts server says a database it cannot reach is the database, not the address", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const { code, stderr } = await runMain([
    "server",
    "--host",
    "127.0.0.1",
    "--udp-port",
    "0",
    "--tcp-port",
    "0",
    "--no-http",
    "--database-url",
    `postgres://auction:Sekret-1@127.0.0.1:${port}/auction`,
  ]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    new RegExp(
      "^error: cannot start the server with the database " +
        `postgres://auction:\\*\\*\\*@127\\.0\\.0\\.1:${port}/auction: .*ECONNREFUSED`,
      "m",
    ),
  );
  assert.doesNotMatch(stderr, /on 127\.0\.0\.1|Sekret/);
});

Deno.test("main.ts server refuses a data folder another server uses, and changes nothing in it", async () => {
  const first = await startServerProcess();
  try {
    const before = await folderListing(first.dataDir);
    const { code, stderr } = await runMain([
      "server",
      "--host",
      "127.0.0.1",
      "--udp-port",
      "0",
      "--tcp-port",
      "0",
      "--no-http",
      "--data-dir",
      first.dataDir,
    ]);
    assert.equal(code, 1);
    const pid = first.process.pid;
    assert.match(
      stderr,
      new RegExp(
        `^error: cannot start the server: Cannot use the data folder ${first.dataDir}: ` +
          `another server uses it \\(process ${pid}\\); stop it first$`,
        "m",
      ),
    );
    assert.doesNotMatch(stderr, /Uncaught|\n {4}at /);
    assert.deepEqual(await folderListing(first.dataDir), before);
  } finally {
    await first.stop();
  }
});

/** The folder's files with their sizes. */
async function folderListing(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    names.push(`${entry.name} ${(await Deno.stat(`${dir}/${entry.name}`)).size}`);
  }
  return names.sort();
}

Deno.test("main.ts server on a terminal prints its shutdown line on a line of its own after Ctrl-C", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "auction-main-" });
  const command = [
    Deno.execPath(),
    "run",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    MAIN,
    "server",
    "--host",
    "127.0.0.1",
    "--udp-port",
    "0",
    "--tcp-port",
    "0",
    "--data-dir",
    dataDir,
  ].map((word) => `'${word}'`).join(" ");
  // `script` runs the server in a pseudo-terminal: Ctrl-C is typed, echoed "^C", and signalled.
  const process = new Deno.Command("script", {
    args: ["--quiet", "--flush", "--return", "--command", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const stdin = process.stdin.getWriter();
  let output = "";
  const decoder = new TextDecoder();
  const reader = process.stdout.getReader();
  const readUntil = async (text: string) => {
    const deadline = Date.now() + 20_000;
    while (!output.includes(text)) {
      if (Date.now() > deadline) throw new Error(`No ${text} in ${JSON.stringify(output)}`);
      const { value, done } = await reader.read();
      if (done) throw new Error(`Ended before ${text}: ${JSON.stringify(output)}`);
      output += decoder.decode(value, { stream: true });
    }
  };
  try {
    await readUntil("Data folder");
    await stdin.write(new TextEncoder().encode("\x03"));
    await readUntil("Shutting down");
    assert.match(output, /\^C\r?\n\d{4}-\d\d-\d\d [\d:.]+ \[INF\] auction·main: Shutting down/);
  } finally {
    await stdin.close().catch(() => {});
    reader.releaseLock();
    await process.stdout.cancel().catch(() => {});
    await process.status;
    await Deno.remove(dataDir, { recursive: true });
  }
});
