import assert from "node:assert/strict";
import { test } from "node:test";
import { makeGroup, makeHost } from "../net/testing.js";
import { contextFor, labelOf } from "./decisions.js";
import { Mutex } from "./mutex.js";

test("contextFor() names hosts as vectors do (config names, not the shared loopback address), in config order", () => {
  const hosts = [{ ...makeHost("a"), leftOfLocal: true }, makeHost("b"), { ...makeHost("c"), receiveOnly: true }];
  const ctx = contextFor(makeGroup("g", "b", hosts), { local: true, remote: false });
  assert.deepEqual(ctx.hosts, ["a", "b", "c"]);
  assert.deepEqual([...ctx.receiveOnly], ["c"]);
  assert.equal(ctx.localForced, true);
  assert.equal(ctx.remoteForced, false);
});

test("labelOf() adds the rule that settled a conflict", () => {
  assert.equal(labelOf({ kind: "take-remote", apply: "write", vector: {} }), "take-remote");
  assert.equal(labelOf({ kind: "conflict-local-wins", vector: {}, sendBack: true, rule: "younger" }), "conflict-local-wins (younger)");
});

test("Mutex serialises holders in arrival order", async () => {
  const m = new Mutex();
  const order: string[] = [];
  const run = async (name: string, ms: number) => {
    const release = await m.lock();
    order.push(`${name}+`);
    await new Promise((r) => setTimeout(r, ms));
    order.push(`${name}-`);
    release();
  };
  await Promise.all([run("a", 20), run("b", 1), run("c", 1)]);
  assert.deepEqual(order, ["a+", "a-", "b+", "b-", "c+", "c-"]);
});
