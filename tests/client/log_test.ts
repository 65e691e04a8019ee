import assert from "node:assert/strict";
import { createLogger } from "../../client/log.ts";

Deno.test({
  name: "createLogger() masks a card-like number in a message or a property",
  permissions: "none",
  fn: () => {
    const lines: string[] = [];
    const logger = createLogger("debug", (line) => lines.push(line));
    logger.warn("Ignoring pay 4111111111111111", { line: "pay Kite 4111 1111 1111 1111" });
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /4111111111111111|4111 1111 1111 1111/);
    assert.match(lines[0]!, /Ignoring pay \*{12}1111 line="pay Kite \*{4} \*{4} \*{4} 1111"/);
  },
});
