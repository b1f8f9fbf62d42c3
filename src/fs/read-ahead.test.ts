import assert from "node:assert/strict";
import { test } from "node:test";
import { readAhead } from "./read-ahead.js";

/** A source that logs when each item is asked for and when it is cleaned up. */
function logged(items: readonly number[], log: string[], failAt?: number): AsyncIterable<number> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (const [i, item] of items.entries()) {
          log.push(`make ${item}`);
          await new Promise((r) => setImmediate(r));
          if (i === failAt) throw new Error(`source failed at ${item}`);
          yield item;
        }
      } finally {
        log.push("source closed");
      }
    },
  };
}

test("readAhead() hands on every item in order, the next one asked for before this one is used", async () => {
  const log: string[] = [];
  for await (const item of readAhead(logged([1, 2, 3], log))) log.push(`use ${item}`);
  // The source runs to its end while the last item is still being used.
  assert.deepEqual(log, ["make 1", "make 2", "use 1", "make 3", "use 2", "source closed", "use 3"]);
});

test("readAhead() lets the source clean up when the consumer stops early, and passes its errors on", async () => {
  const log: string[] = [];
  for await (const item of readAhead(logged([1, 2, 3, 4], log))) {
    log.push(`use ${item}`);
    if (item === 2) break;
  }
  assert.equal(log.at(-1), "source closed");
  assert.ok(!log.includes("make 4"));
  const failing: string[] = [];
  await assert.rejects(async () => {
    for await (const item of readAhead(logged([1, 2, 3], failing, 1))) failing.push(`use ${item}`);
  }, /source failed at 2/);
  assert.equal(failing.at(-1), "source closed");
});
