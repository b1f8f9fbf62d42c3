import assert from "node:assert/strict";
import { test } from "node:test";
import { Coalescer } from "./coalescer.js";

/** A run that finishes when the test says so, recording what it was given. */
function gatedRunner() {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  const run = async (input: string[]): Promise<string> => {
    calls.push(input);
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((resolve) => gates.push(resolve));
    active--;
    return input.join(",");
  };
  const openNext = async (): Promise<void> => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()?.();
  };
  return { calls, run, openNext, maxActive: () => maxActive };
}

const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];

test("Coalescer.submit() queues one more run for triggers during a run and merges their inputs", async () => {
  const c = new Coalescer<string[], string>(union);
  const g = gatedRunner();
  const first = c.submit("k", ["a"], g.run);
  const second = c.submit("k", ["b"], g.run);
  const third = c.submit("k", ["c", "b"], g.run);
  assert.equal(second, third, "later triggers share the waiting run");
  await g.openNext();
  assert.equal(await first, "a");
  await g.openNext();
  assert.equal(await second, "b,c");
  assert.deepEqual(g.calls, [["a"], ["b", "c"]]);
  assert.equal(g.maxActive(), 1, "never twice at once");
  await c.idle();
  assert.equal(c.busy("k"), false);
});

test("Coalescer.submit() runs different keys independently", async () => {
  const c = new Coalescer<string[], string>(union);
  const g = gatedRunner();
  const a = c.submit("group-a", ["1"], g.run);
  const b = c.submit("group-b", ["2"], g.run);
  await new Promise((r) => setImmediate(r));
  assert.equal(g.maxActive(), 2);
  await g.openNext();
  await g.openNext();
  assert.deepEqual(await Promise.all([a, b]), ["1", "2"]);
});

test("Coalescer keeps going after a run rejects", async () => {
  const c = new Coalescer<string[], string>(union);
  let n = 0;
  const flaky = async (input: string[]): Promise<string> => {
    if (n++ === 0) throw new Error("boom");
    return input.join(",");
  };
  const first = c.submit("k", ["a"], flaky);
  const second = c.submit("k", ["b"], flaky);
  await assert.rejects(first, /boom/);
  assert.equal(await second, "b");
  await c.idle();
});
