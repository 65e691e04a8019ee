import assert from "node:assert/strict";
import { join, relative, resolve } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;

/** The folders each top-level folder may import from (STYLE.md, "The layers"). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: ["protocol"],
  auction: ["auction", "protocol"],
  commands: ["commands", "auction", "protocol"],
  server: ["server", "commands", "auction", "protocol"],
  client: ["client", "protocol"],
};

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g;

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("imports point down and sideways: server -> commands -> auction -> protocol, client -> protocol", async () => {
  const wrong: string[] = [];
  let files = 0;
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    for await (const file of sourceFiles(join(ROOT, folder))) {
      files++;
      const source = await Deno.readTextFile(file);
      for (const [, specifier] of source.matchAll(IMPORT)) {
        const target = relative(ROOT, resolve(file, "..", specifier!));
        const targetFolder = target.split("/")[0]!;
        if (!allowed.includes(targetFolder)) {
          wrong.push(`${relative(ROOT, file)} imports ${target}`);
        }
      }
    }
  }
  assert.ok(files > 100, `read ${files} files`);
  assert.deepEqual(wrong, []);
});

Deno.test("the layer check sees an import that points up", () => {
  const source = 'import { x } from "../server/core.ts";\nconst y = await import("./z.ts");';
  assert.deepEqual([...source.matchAll(IMPORT)].map((match) => match[1]), [
    "../server/core.ts",
    "./z.ts",
  ]);
});
