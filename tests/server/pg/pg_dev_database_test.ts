import assert from "node:assert/strict";
import postgres from "postgres";
import { freePort } from "../../../server/pg/cluster.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** Runs `deno task db` (without its npm fallback) until it prints the URL; returns it and a stop. */
async function startDevDatabase(dir: string, port: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net",
      "--allow-sys",
      "server/pg/dev_database.ts",
      "--dir",
      dir,
      "--port",
      String(port),
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const url = Promise.withResolvers<string>();
  const pump = (async () => {
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true });
      const match = /export DATABASE_URL='([^']+)'/.exec(text);
      if (match) url.resolve(match[1]!);
    }
  })();
  const stderr = new Response(child.stderr).text();
  child.status.then(async () =>
    url.reject(new Error(`deno task db exited:\n${text}${await stderr}`))
  );
  const timer = setTimeout(() => url.reject(new Error(`no URL after 30 s:\n${text}`)), 30_000);
  return {
    url: await url.promise.finally(() => clearTimeout(timer)),
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await pump;
      await stderr;
      return { status, text };
    },
  };
}

Deno.test("deno task db starts a PostgreSQL, prints its URL, keeps it across runs, and stops on SIGTERM", async () => {
  const parent = await Deno.makeTempDir({ prefix: "auction-dev-db-" });
  const dir = `${parent}/db`;
  const port = freePort();
  try {
    await Deno.chmod(parent, 0o755); // The postgres OS user must reach the folder.
    const first = await startDevDatabase(dir, port);
    const url = new URL(first.url);
    assert.equal(url.pathname, "/auction");
    assert.ok(url.password.length >= 16, "a generated password");
    const sql = postgres(first.url, { max: 1, onnotice: () => {} });
    await sql`CREATE TABLE kept (x int)`;
    await sql.end();
    const wrong = new URL(first.url);
    wrong.password = "wrong";
    const refused = postgres(wrong.href, { max: 1, onnotice: () => {} });
    await assert.rejects(refused`SELECT 1`, /password authentication failed/);
    await refused.end();
    const stopped = await first.stop();
    assert.equal(stopped.status.code, 0);
    assert.match(stopped.text, /PostgreSQL stopped/);

    const second = await startDevDatabase(dir, port);
    assert.equal(second.url, first.url, "the same password and database");
    const again = postgres(second.url, { max: 1, onnotice: () => {} });
    assert.deepEqual([...await again`SELECT count(*)::int AS n FROM kept`], [{ n: 0 }]);
    await again.end();
    assert.equal((await second.stop()).status.code, 0);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test({
  name: "deno task db says plainly when the postgres user cannot reach the folder",
  ignore: Deno.uid() !== 0, // Only root hands the cluster to the postgres user.
}, async () => {
  const parent = await Deno.makeTempDir({ prefix: "auction-dev-db-" }); // 0700, root's
  try {
    await assert.rejects(
      startDevDatabase(`${parent}/db`, freePort()),
      /the postgres OS user cannot reach it \(every folder above it must be searchable/,
    );
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
