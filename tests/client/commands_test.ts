import assert from "node:assert/strict";
import {
  COMMAND_USAGE,
  commandHelp,
  CommandSyntaxError,
  formatHelp,
  parseCommand,
} from "../../client/commands.ts";

Deno.test({
  name: "parseCommand() reads every command of the shell",
  permissions: "none",
  fn: async (t) => {
    const cases: [string, unknown][] = [
      ["register", { kind: "register" }],
      ["register scott buyer", { kind: "register", name: "scott", role: "buyer" }],
      ["REGISTER jas Seller pw1", {
        kind: "register",
        name: "jas",
        role: "seller",
        password: "pw1",
      }],
      ["login", { kind: "login" }],
      ["login scott secret", { kind: "login", name: "scott", password: "secret" }],
      ["deregister", { kind: "deregister" }],
      ["de-register", { kind: "deregister" }],
      [
        'list Kite "Red kite, barely used" 20 5m',
        {
          kind: "list",
          item: "Kite",
          description: "Red kite, barely used",
          startPriceCents: 2000,
          duration: { amount: 5, unit: "m" },
        },
      ],
      ["subscribe Kite", { kind: "subscribe", item: "Kite" }],
      ["unsubscribe Kite", { kind: "unsubscribe", item: "Kite" }],
      ["bid Kite 25.5", { kind: "bid", item: "Kite", amountCents: 2550 }],
      ["autobid Kite 40", { kind: "autobid", item: "Kite", maxCents: 4000, stepCents: 1 }],
      ["autobid Kite 40 0.50", { kind: "autobid", item: "Kite", maxCents: 4000, stepCents: 50 }],
      ["autobid Kite stop", { kind: "autobid-stop", item: "Kite" }],
      ["accept Kite 15", { kind: "accept", item: "Kite", priceCents: 1500 }],
      ["refuse Kite", { kind: "refuse", item: "Kite" }],
      ["items", { kind: "items" }],
      ["help", { kind: "help" }],
      ["quit", { kind: "quit" }],
      ["exit", { kind: "quit" }],
      ["wait 2.5", { kind: "wait", seconds: 2.5 }],
      ["wait-for BID_UPDATE", { kind: "wait-for", messageType: "BID_UPDATE", seconds: 60 }],
      ["wait-for winner 30", { kind: "wait-for", messageType: "WINNER", seconds: 30 }],
      [
        "wait-for shipping-info Kite 30",
        { kind: "wait-for", messageType: "Shipping_Info", item: "Kite", seconds: 30 },
      ],
      [
        'pay Kite "Ada Lovelace" "4111 1111 1111 1111" 12/30 "1 Main St, Springfield"',
        {
          kind: "pay",
          item: "Kite",
          fullName: "Ada Lovelace",
          card: "4111111111111111",
          expiry: { month: 12, year: 2030 },
          address: "1 Main St, Springfield",
        },
      ],
      [
        "pay Kite Ada 4111111111111111 1/30 home",
        {
          kind: "pay",
          item: "Kite",
          fullName: "Ada",
          card: "4111111111111111",
          expiry: { month: 1, year: 2030 },
          address: "home",
        },
      ],
    ];
    for (const [line, expected] of cases) {
      await t.step(line, () => assert.deepEqual(parseCommand(line), expected));
    }
  },
});

Deno.test({
  name: "parseCommand() skips blank lines and # comments",
  permissions: "none",
  fn: () => {
    assert.equal(parseCommand("   "), undefined);
    assert.equal(parseCommand("# the seller lists"), undefined);
  },
});

Deno.test({
  name: "parseCommand() refuses bad lines with a message that says how to write them",
  permissions: "none",
  fn: async (t) => {
    const cases: [string, RegExp][] = [
      ["fly Kite", /Unknown command "fly"/],
      ["bid Kite", /Usage: bid ITEM AMOUNT/],
      ["bid Kite 1.234", /Invalid amount "1.234": use at most 2 decimals/],
      ["bid Kite 0", /more than 0/],
      ["list Kite desc 20", /Usage: list/],
      ["list Kite Red kite 20 40", /quote a field with spaces, like "Red kite" \(usage: list/],
      ["pay Kite Ada L 4111111111111111 12/30 home", /Too many words for pay/],
      ["list Kite desc 20 soon", /Invalid duration/],
      ["register scott", /Usage: register/],
      ["register scott admin", /buyer or seller/],
      ['list Kite "open quote 20 5', /missing closing quote/],
      ["wait-for PING", /wait-for needs a message the server sends/],
      ["wait-for BID a-very-long-item-name-over-32-characters", /wait-for needs/],
      ["wait forever", /Invalid seconds/],
      ["pay Kite Ada 4111111111111112 12/30 home", /not a valid card number, check the digits/],
    ];
    for (const [line, pattern] of cases) {
      await t.step(line, () => {
        assert.throws(() => parseCommand(line), (error: unknown) => {
          assert.ok(error instanceof CommandSyntaxError);
          assert.match(error.message, pattern);
          return true;
        });
      });
    }
  },
});

Deno.test({
  name: "COMMAND_USAGE lines start their description in one column when the syntax fits",
  permissions: "none",
  fn: () => {
    for (const usage of Object.values(COMMAND_USAGE)) {
      const [syntax = ""] = usage.split(/ {2,}/);
      if (syntax.length < 34) {
        assert.equal(usage.indexOf(usage.slice(syntax.length).trim()), 35, usage);
      }
    }
  },
});

Deno.test({
  name: "commandHelp() gives each command as data, and formatHelp() aligns every summary",
  permissions: "none",
  fn: () => {
    const entries = commandHelp();
    assert.deepEqual(entries.find((entry) => entry.command === "bid"), {
      command: "bid",
      args: "ITEM AMOUNT",
      summary: "bid on an item",
    });
    assert.deepEqual(entries.map((entry) => entry.command), Object.keys(COMMAND_USAGE));
    for (const entry of entries) {
      assert.ok(entry.summary.length > 0, entry.command);
      assert.doesNotMatch(entry.args + entry.summary, / {2}/, "no padding in the data");
    }
    const lines = formatHelp(entries).split("\n");
    const columns = lines.map((line, index) => line.indexOf(entries[index]!.summary));
    assert.equal(new Set(columns).size, 1, lines.join("\n"));
    assert.ok(lines.some((line) => line.startsWith("autobid ITEM MAX [STEP]")));
    assert.ok(lines.some((line) => line.startsWith("pay ITEM NAME CARD MM/YY ADDRESS")));
  },
});

Deno.test({
  name: "parseCommand() names fields in plain words, the way the usage line does",
  permissions: "none",
  fn: async (t) => {
    const cases: [string, string][] = [
      ["list Kite desc -5 5m", 'Invalid price "-5": must be more than 0, up to 1,000,000,000'],
      ["list Kite desc 20 soon", 'Invalid duration "soon"'],
      ["list Kite/2 desc 20 5m", 'Invalid item name "Kite/2": use 1 to 32 ASCII letters'],
      ["bid Kite abc", 'Invalid amount "abc"'],
      ["register anné buyer", 'Invalid name "anné": use 1 to 32 ASCII letters (a-z, A-Z)'],
      ["autobid Kite 0", "Invalid max: must be more than 0"],
      [`pay Kite "${"x".repeat(301)}" 4111111111111111 12/30 home`, "at most 300 characters"],
    ];
    for (const [line, expected] of cases) {
      await t.step(line.slice(0, 40), () => {
        assert.throws(() => parseCommand(line), (error: unknown) => {
          assert.ok(error instanceof CommandSyntaxError);
          assert.ok(error.message.includes(expected), error.message);
          // The usage line names its words in capitals; the error before it does not.
          const said = error.message.split(" (usage:")[0]!;
          assert.doesNotMatch(said, /PRICE|Duration|Item_Name|AMOUNT|Name|MAX/);
          return true;
        });
      });
    }
  },
});
