import assert from "node:assert/strict";
import { test } from "node:test";
import { IN_PLACES, inChunks, POINTS } from "./points.js";

const cases: { keys: number; queries: number; lastPadding: number }[] = [
  { keys: 0, queries: 0, lastPadding: 0 },
  { keys: 1, queries: 1, lastPadding: POINTS - 1 },
  { keys: POINTS, queries: 1, lastPadding: 0 },
  { keys: POINTS + 1, queries: 2, lastPadding: POINTS - 1 },
  { keys: 3 * POINTS - 2, queries: 3, lastPadding: 2 },
];
for (const c of cases) {
  test(`inChunks(): ${c.keys} keys → ${c.queries} queries of ${POINTS} places, the last padded with ${c.lastPadding} NULLs`, () => {
    const keys = Array.from({ length: c.keys }, (_, i) => i);
    const seen: (number | null)[][] = [];
    const rows = inChunks(keys, (places) => (seen.push(places), places.filter((k): k is number => k !== null).map((k) => k * 10)));
    assert.equal(seen.length, c.queries);
    for (const places of seen) assert.equal(places.length, POINTS);
    assert.equal(seen.at(-1)?.filter((k) => k === null).length ?? 0, c.lastPadding);
    assert.deepEqual(rows, keys.map((k) => k * 10));
  });
}

test("IN_PLACES has one place per key", () => {
  assert.equal(IN_PLACES.split(",").length, POINTS);
});
