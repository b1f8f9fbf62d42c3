import assert from "node:assert/strict";
import { test } from "node:test";
import { dueAt, isDue, mergeEvent, touchWindow, type EventWindow } from "./debounce-window.js";

const timing = { debounceMs: 200, maxDelayMs: 2000 };

const cases: readonly { name: string; window: EventWindow; want: number }[] = [
  { name: "a single event is due one debounce later", window: { firstMs: 1000, lastMs: 1000 }, want: 1200 },
  { name: "a later event pushes the quiet time out", window: { firstMs: 1000, lastMs: 1500 }, want: 1700 },
  { name: "constant churn is capped by the max delay", window: { firstMs: 1000, lastMs: 2950 }, want: 3000 },
  { name: "the cap holds however late the last event", window: { firstMs: 1000, lastMs: 9000 }, want: 3000 },
];
for (const c of cases) test(`dueAt() ${c.name}`, () => assert.equal(dueAt(c.window, timing), c.want));

test("dueAt() never flushes before the debounce when the max delay is shorter", () => {
  assert.equal(dueAt({ firstMs: 0, lastMs: 0 }, { debounceMs: 500, maxDelayMs: 100 }), 500);
});

test("touchWindow() starts a burst, then keeps its first event", () => {
  const w = touchWindow(touchWindow(undefined, 10), 40);
  assert.deepEqual(w, { firstMs: 10, lastMs: 40 });
  assert.deepEqual(touchWindow(w, 30), { firstMs: 10, lastMs: 40 }, "a clock step back does not shorten the burst");
});

test("isDue() is true from dueAt on", () => {
  const w = { firstMs: 0, lastMs: 0 };
  assert.equal(isDue(w, timing, 199), false);
  assert.equal(isDue(w, timing, 200), true);
});

test("mergeEvent() keeps the last type and remembers a create", () => {
  const s = mergeEvent(mergeEvent(mergeEvent(undefined, "update"), "create"), "update");
  assert.deepEqual(s, { type: "update", created: true });
  assert.deepEqual(mergeEvent(undefined, "delete"), { type: "delete", created: false });
});
