import assert from "node:assert/strict";
import { parseClientFlags, UsageError } from "../../client/flags.ts";
import { ProfileFileError, readProfileFile } from "../../client/profile_file.ts";
import { runClient } from "../../client/main.ts";
import { EXIT } from "../../client/script.ts";

async function profileFile(content: string, mode = 0o600): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "auction-profile-", suffix: ".json" });
  await Deno.writeTextFile(path, content);
  await Deno.chmod(path, mode);
  return path;
}

const PROFILE = JSON.stringify({
  fullName: "Scott Tiger",
  card: "4111 1111 1111 1111",
  exp: "12/39",
  address: "1 Main St",
});

Deno.test("--profile FILE gives the payment profile, and a flag overrides it", async () => {
  const path = await profileFile(PROFILE);
  try {
    assert.deepEqual(parseClientFlags(["--profile", path]).profile, {
      fullName: "Scott Tiger",
      card: "4111111111111111",
      expiry: { month: 12, year: 2039 },
      address: "1 Main St",
    });
    const flags = parseClientFlags(["--profile", path, "--address", "2 Side St"]);
    assert.equal(flags.profile.address, "2 Side St");
    assert.equal(flags.profile.card, "4111111111111111");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("--profile refuses a file other users can read, and says how to fix it", async () => {
  const path = await profileFile(PROFILE, 0o644);
  try {
    assert.throws(() => parseClientFlags(["--profile", path]), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(
        error.message,
        `--profile ${path} can be read by other users (mode 644): run chmod 600 ${path}`,
      );
      return true;
    });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("--profile names the bad key or value, never the card's digits", async (t) => {
  const cases: [string, RegExp][] = [
    ['{"card": "4111111111111112"}', /"card" in .*not a valid card number/],
    [
      '{"cardNumber": "4111111111111111"}',
      /unknown key "cardNumber" \(use fullName, card, exp, address\)/,
    ],
    ['{"exp": 1230}', /"exp" must be a string/],
    ['{"card": "4111111111111111",}', /is not valid JSON/],
    ['["4111111111111111"]', /must hold one JSON object/],
  ];
  for (const [content, pattern] of cases) {
    await t.step(content, async () => {
      const path = await profileFile(content);
      try {
        assert.throws(() => readProfileFile(path), (error: unknown) => {
          assert.ok(error instanceof ProfileFileError);
          assert.match(error.message, pattern);
          assert.doesNotMatch(error.message, /411111111111111/);
          return true;
        });
      } finally {
        await Deno.remove(path);
      }
    });
  }
});

Deno.test({
  name: "--profile without read permission says which permission to give",
  permissions: { read: false },
  fn: () => {
    assert.throws(
      () => readProfileFile("/home/ann/.auction.json"),
      /Cannot read --profile \/home\/ann\/\.auction\.json: this client may not read it\. Move the file into the project folder .*or run the bundle with \/home\/ann\/\.auction\.json added to its --allow-read/,
    );
  },
});

Deno.test("a --profile that cannot be used prints its error alone, a bad flag the usage too", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(path, "{}");
  await Deno.chmod(path, 0o644);
  const printed: string[] = [];
  const error = console.error;
  console.error = (text: string) => printed.push(text);
  try {
    assert.equal(await runClient(["--profile", path]), EXIT.usage);
    assert.equal(await runClient(["--colour"]), EXIT.usage);
  } finally {
    console.error = error;
    await Deno.remove(path);
  }
  assert.equal(
    printed[0],
    `error: --profile ${path} can be read by other users (mode 644): run chmod 600 ${path}`,
  );
  assert.match(printed[1]!, /^error: .*--colour[^]*\n\nUsage: deno task client/);
});
