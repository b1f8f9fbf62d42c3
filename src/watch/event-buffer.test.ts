import assert from "node:assert/strict";
import { test } from "node:test";
import { EventBuffer, type Batch, type WatchEvent } from "./event-buffer.js";
import { FakeTimers } from "./timers.js";

const timing = { debounceMs: 100, maxDelayMs: 2000 };

function setup(maxPaths = 10_000) {
  const timers = new FakeTimers();
  const buffer = new EventBuffer({ timers, timingOf: () => timing, maxPaths });
  const got: Batch[] = [];
  let waiting = false;
  const pull = (): void => {
    waiting = true;
    void buffer.next().then((b) => {
      waiting = false;
      if (b) got.push(b);
    });
  };
  return { timers, buffer, got, pull, waiting: () => waiting };
}

function ev(path: string, type: WatchEvent["type"] = "update", group = "g"): WatchEvent {
  return { group, path, local: `/srv${path}`, type };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

test("EventBuffer coalesces many events on one path into one due item", async () => {
  const { timers, buffer, got, pull } = setup();
  pull();
  buffer.add(ev("/a", "create"));
  for (let i = 0; i < 5; i++) {
    timers.advance(10);
    buffer.add(ev("/a", "update"));
  }
  timers.advance(99);
  await tick();
  assert.equal(got.length, 0, "still within the debounce of the last event");
  timers.advance(1);
  await tick();
  assert.deepEqual(got, [{ type: "paths", items: [{ group: "g", path: "/a", local: "/srv/a", type: "update", created: true, firstMs: 1_000_000 }] }]);
});

test("EventBuffer hands out a constantly written path once per max delay", async () => {
  const { timers, buffer, got, pull, waiting } = setup();
  const flushedAt: number[] = [];
  const start = timers.now();
  pull();
  for (let t = 0; t < 6000; t += 20) {
    buffer.add(ev("/log"));
    timers.advance(20);
    await tick();
    if (got.length > flushedAt.length) flushedAt.push(timers.now() - start);
    if (!waiting()) pull();
  }
  // Never held longer than the max delay, and never handed out twice within one debounce.
  assert.deepEqual(flushedAt, [2000, 4000, 6000]);
});

test("EventBuffer keeps a quiet path apart from a busy one", async () => {
  const { timers, buffer, got, pull } = setup();
  pull();
  buffer.add(ev("/quiet"));
  for (let t = 0; t < 150; t += 10) {
    buffer.add(ev("/busy"));
    timers.advance(10);
  }
  await tick();
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]!.type === "paths" && got[0]!.items.map((i) => i.path), ["/quiet"]);
});

test("EventBuffer keeps events that arrive while nobody pulls (during the initial check)", async () => {
  const { timers, buffer, got, pull } = setup();
  buffer.add(ev("/during-check", "create"));
  timers.advance(5000);
  assert.equal(timers.pendingTimers, 0, "no timer without a consumer");
  pull();
  await tick();
  assert.equal(got.length, 1);
  assert.equal(got[0]!.type === "paths" && got[0]!.items[0]!.path, "/during-check");
});

test("EventBuffer collapses to one full check of every group past the cap", async () => {
  const { timers, buffer, got, pull } = setup(100);
  for (let i = 0; i < 100_000; i++) buffer.add(ev(`/f${i % 20_000}`, "update", i % 2 ? "g" : "h"));
  assert.equal(buffer.size, 0, "the map is dropped at the cap, and later events are not kept");
  assert.equal(buffer.stats.overflows, 1);
  pull();
  timers.advance(2000);
  await tick();
  assert.equal(got.length, 1);
  assert.equal(got[0]!.type, "rescan");
  assert.equal(got[0]!.type === "rescan" && got[0]!.groups, "all");
  // Events after the full check was handed out are collected again.
  buffer.add(ev("/after"));
  pull();
  timers.advance(100);
  await tick();
  assert.equal(got[1]?.type, "paths");
});

test("EventBuffer: a rescan of one group drops that group's paths, keeps the others", async () => {
  const { timers, buffer, got, pull } = setup();
  buffer.add(ev("/x", "update", "a"));
  buffer.add(ev("/y", "update", "b"));
  buffer.requestRescan("watcher error", "a");
  buffer.add(ev("/x2", "update", "a"));
  timers.advance(300);
  pull();
  await tick();
  assert.deepEqual(got[0], { type: "rescan", groups: ["a"], reasons: ["watcher error"] });
  pull();
  await tick();
  assert.deepEqual(got[1]!.type === "paths" && got[1]!.items.map((i) => i.path), ["/y"]);
});

test("EventBuffer.close() wakes a waiting consumer with undefined", async () => {
  const { buffer } = setup();
  const p = buffer.next();
  buffer.close();
  assert.equal(await p, undefined);
  buffer.add(ev("/late"));
  assert.equal(buffer.size, 0);
});

test("EventBuffer.requestPush() wakes the consumer at once with a push batch", async () => {
  const { buffer, got, pull, timers } = setup();
  pull();
  buffer.requestPush("b");
  buffer.requestPush("a");
  buffer.requestPush("b");
  timers.advance(0);
  await tick();
  assert.deepEqual(got, [{ type: "push", groups: ["a", "b"] }]);
});

test("EventBuffer.finish() hands out the waiting paths at once, drops asked-for rescans, then ends", async () => {
  const { timers, buffer } = setup();
  buffer.add(ev("/a"));
  buffer.add(ev("/b", "create"));
  buffer.requestPush("g");
  timers.advance(10); // far from due
  buffer.finish();
  buffer.add(ev("/late"));
  const last = await buffer.next();
  assert.equal(last?.type, "paths");
  assert.deepEqual(last?.type === "paths" ? last.items.map((i) => i.path) : [], ["/a", "/b"]);
  assert.equal(await buffer.next(), undefined, "nothing after the last batch, the late event included");
});

test("EventBuffer.finish() wakes a waiting consumer with the last batch, or with the end", async () => {
  const s = setup();
  s.pull();
  s.buffer.add(ev("/a"));
  s.buffer.finish();
  await tick();
  assert.equal(s.got.length, 1);
  const empty = setup();
  let ended = false;
  void empty.buffer.next().then((b) => (ended = b === undefined));
  empty.buffer.finish();
  await tick();
  assert.ok(ended);
});
