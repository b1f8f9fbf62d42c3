import assert from "node:assert/strict";
import { test } from "node:test";
import { FALLBACK_INTERVAL_MS, jittered, nextFullCheckIn, RescanSchedule, RETRY_AFTER_ERROR_MS } from "./rescan.js";
import { FakeTimers } from "./timers.js";

test("jittered() stays within ±25 % of the interval", () => {
  const hour = 3_600_000;
  assert.equal(jittered(hour, 0), 2_700_000);
  assert.equal(jittered(hour, 0.5), hour);
  assert.ok(jittered(hour, 0.999999) <= 4_500_000);
  for (let i = 0; i < 1000; i++) {
    const d = jittered(hour, Math.random());
    assert.ok(d >= 2_700_000 && d <= 4_500_000, `${d}`);
  }
});

test("RescanSchedule fires each group once at its jittered time; schedule() replaces a pending timer", () => {
  const timers = new FakeTimers();
  const due: string[] = [];
  const s = new RescanSchedule({ timers, random: () => 0, onDue: (g) => due.push(g) });
  assert.equal(s.schedule("a", 1000), 750);
  s.schedule("b", 2000);
  s.schedule("a", 4000); // replaces the first
  timers.advance(1499);
  assert.deepEqual(due, []);
  timers.advance(1);
  assert.deepEqual(due, ["b"]);
  timers.advance(1500);
  assert.deepEqual(due, ["b", "a"]);
  s.stop();
  assert.equal(timers.pendingTimers, 0);
});

const HOUR = 3_600_000;
const next = [
  { name: "every rescan-interval when all is watched", facts: { ok: true, unwatched: false, rescanIntervalMs: HOUR }, want: HOUR },
  { name: "never with rescan-interval 0s when all is watched", facts: { ok: true, unwatched: false, rescanIntervalMs: 0 }, want: undefined },
  { name: "at least every 5 min while a root is not watched", facts: { ok: true, unwatched: true, rescanIntervalMs: HOUR }, want: FALLBACK_INTERVAL_MS },
  { name: "the shorter interval when it is shorter", facts: { ok: true, unwatched: true, rescanIntervalMs: 1000 }, want: 1000 },
  { name: "every 5 min for an unwatched root even with 0s", facts: { ok: true, unwatched: true, rescanIntervalMs: 0 }, want: FALLBACK_INTERVAL_MS },
  { name: "soon after a failed check", facts: { ok: false, unwatched: false, rescanIntervalMs: 0 }, want: RETRY_AFTER_ERROR_MS },
] as const;
for (const c of next) test(`nextFullCheckIn() is ${c.name}`, () => assert.equal(nextFullCheckIn(c.facts), c.want));
