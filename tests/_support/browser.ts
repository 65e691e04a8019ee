/**
 * Headless Chromium for the board's browser tests: Debian's `chromium` driven by
 * `playwright-core` (which never downloads a browser of its own). A missing Chromium fails the
 * test with what to install; it is never skipped.
 * @module
 */

import fs from "node:fs";
import type { BrowserContext } from "playwright-core";

/**
 * playwright-core asks at load time whether it runs under WSL by testing for
 * `/proc/sys/fs/binfmt_misc/WSLInterop`, a path Deno lets only `--allow-all` read. The tests run
 * with named permissions, so that one question is answered "no" here, before the import.
 */
let wslProbeAnswered = false;
function answerWslProbe(): void {
  if (wslProbeAnswered) return;
  wslProbeAnswered = true;
  const existsSync = fs.existsSync;
  fs.existsSync =
    ((path: fs.PathLike) =>
      String(path).startsWith("/proc/sys/fs/binfmt_misc/")
        ? false
        : existsSync(path)) as typeof fs.existsSync;
}

/** Where Debian's package puts Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags that keep Chromium quiet on a machine with no network but loopback. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

/** A browser with an empty profile; `close()` removes the profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Throws, saying what to install, when there is no Chromium at `path`. */
export async function requireChromium(path: string): Promise<void> {
  try {
    await Deno.stat(path);
  } catch {
    throw new Error(
      `Chromium is missing at ${path}: the board's browser tests need Debian's chromium ` +
        "package (apt-get update && apt-get install -y chromium; .ci/run installs it when missing)",
    );
  }
}

/** Launches Chromium with a new, empty profile in a temporary folder. */
export async function launchBrowser(): Promise<TestBrowser> {
  await requireChromium(CHROMIUM_PATH);
  answerWslProbe();
  const { chromium } = await import("playwright-core");
  const profile = await Deno.makeTempDir({ prefix: "board-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 760 },
  });
  return {
    context,
    async close() {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/** A path under `dist/test-artifacts/` (ignored by git) for a file a test leaves behind. */
export async function artifactPath(name: string): Promise<string> {
  const dir = new URL("../../dist/test-artifacts/", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  return `${dir}${name}`;
}
