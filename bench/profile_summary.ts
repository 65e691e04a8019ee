/**
 * `deno task bench:profile FILE.cpuprofile [--top N]`: the self and inclusive time of the
 * functions of a V8 CPU profile (written by `deno run --cpu-prof`, e.g. through
 * `AUCTION_BENCH_DENO_FLAGS="--cpu-prof --cpu-prof-dir=prof" deno task bench`), as a share of
 * the whole profile. Inclusive time counts a function once per sample even when it recurses.
 * @module
 */

import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `name file:line`, with the file relative to the project. */
function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\/.*?\/(server|commands|protocol|bench|main\.ts)/, "$1")
    .replace(/^.*\/node_modules\//, "npm:");
  return `${functionName || "(anonymous)"}${file ? ` ${file}:${lineNumber + 1}` : ""}`;
}

/** Self and inclusive microseconds by function, and the total. */
export function summarize(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    const node = byId.get(id);
    if (!node) return;
    self.set(label(node), (self.get(label(node)) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
    }
  });
  return { self, inclusive, total };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const { self, inclusive, total } = summarize(JSON.parse(await Deno.readTextFile(file)));
    const print = (title: string, times: Map<string, number>) => {
      console.log(title);
      for (const [name, us] of [...times].sort((a, b) => b[1] - a[1]).slice(0, top)) {
        console.log(`  ${(100 * us / total).toFixed(1).padStart(5)}%  ${name}`);
      }
    };
    console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
    print("self time:", self);
    print("inclusive time:", inclusive);
  }
}
