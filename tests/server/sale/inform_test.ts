import assert from "node:assert/strict";
import { FakeChannel } from "../../_support/fake_channel.ts";
import { readInform } from "../../../server/sale/inform.ts";
import { pure } from "../../_support/pure.ts";

const NOW_MS = Date.UTC(2026, 0, 15);

async function answerWith(line: string) {
  const channel = new FakeChannel("127.0.0.1:6001");
  channel.answer(line);
  return await readInform(channel, "buyer", {
    signal: new AbortController().signal,
    nowMs: () => NOW_MS,
    timeoutSeconds: 5,
  });
}

Deno.test(
  "readInform() takes a quoted name, card with spaces and a rest-of-line address",
  pure,
  async () => {
    const answer = await answerWith(
      'INFORM_Res 4 "Mohammed Zahed" "4111 1111 1111 1111" 12/30 1 St Laurent, Montreal',
    );
    assert.ok(answer.ok);
    assert.equal(answer.name, "Mohammed Zahed");
    assert.equal(answer.card.number, "4111111111111111");
    assert.equal(answer.address, "1 St Laurent, Montreal");
  },
);

Deno.test(
  "readInform() reads the seed's unquoted INFORM_Res: a name and a card with spaces",
  pure,
  async (t) => {
    const cases: [string, string, string, string, string][] = [
      [
        "name of two words",
        "INFORM_Res 4 Mohammed Zahed 4111111111111111 12/30 St Laurent",
        "Mohammed Zahed",
        "4111111111111111",
        "St Laurent",
      ],
      [
        "card in groups, MMYY expiry",
        "INFORM_Res 4 Bob 4111 1111 1111 1111 1230 12 Main St",
        "Bob",
        "4111111111111111",
        "12 Main St",
      ],
      [
        "card with dashes, quoted name",
        'inform-res 4 "Jas K" 4012-8888-8888-1881 12/30 Montreal',
        "Jas K",
        "4012888888881881",
        "Montreal",
      ],
    ];
    for (const [name, line, holder, card, address] of cases) {
      await t.step(name, async () => {
        const answer = await answerWith(line);
        assert.ok(answer.ok, JSON.stringify(answer));
        assert.equal(answer.name, holder);
        assert.equal(answer.card.number, card);
        assert.equal(answer.address, address);
      });
    }
  },
);

Deno.test(
  "readInform() still refuses an unquoted INFORM_Res with no valid card",
  pure,
  async () => {
    const answer = await answerWith("INFORM_Res 4 Mohammed Zahed 222 2222 St Laurent");
    assert.equal(answer.ok, false);
    assert.match(answer.ok ? "" : answer.reason, /^Invalid INFORM_Res from buyer: Invalid CC#/);
  },
);
