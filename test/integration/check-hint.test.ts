// `peersync hint` is called by applications after each write: it must be cheap and durable.
// This measures the index time of 1,000 calls (open, record, close, as each process does) and
// prints it; it asserts correctness, not the time (CI machines vary).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openIndex } from "../../src/index/database.js";
import { HintStore } from "../../src/index/hints.js";
import { tempDir, writeTestConfig } from "../../src/index/testing.js";

const BIN = resolve(fileURLToPath(new URL("../../../bin/peersync", import.meta.url)));
const dir = tempDir("hint");
after(() => rmSync(dir, { recursive: true, force: true }));

test("1,000 hints: each one is committed when the call returns; index time per call printed", (t) => {
  const state = join(dir, "state");
  openIndex(state).close();
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const started = performance.now();
    const db = openIndex(state);
    new HintStore(db).add([`/srv/upload/f${i % 500}.jpg`], i % 7 === 0);
    db.close();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  t.diagnostic(`hint index time per call: median ${times[500]!.toFixed(3)} ms, p95 ${times[950]!.toFixed(3)} ms`);
  const db = openIndex(state, { readonly: true });
  try {
    const hints = new HintStore(db).list();
    // 500 distinct paths, some hinted both plain and recursive: one row per (path, recursive).
    const distinct = new Set<string>();
    for (let i = 0; i < 1000; i++) distinct.add(`/srv/upload/f${i % 500}.jpg ${i % 7 === 0}`);
    assert.equal(hints.length, distinct.size);
    assert.equal(new Set(hints.map((h) => h.seq)).size, hints.length);
  } finally {
    db.close();
  }
});

test("peersync -h from a real process survives its exit, and -H lists it", () => {
  const root = join(dir, "tree");
  const cfg = writeTestConfig(join(dir, "etc"), { include: [root] });
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, "--config", cfg, "-N", "a", "-D", join(dir, "s2"), ...args], { encoding: "utf8" });
  assert.equal(run("-h", join(root, "a b"), join(root, "c")).status, 0);
  const listed = run("-H");
  assert.equal(listed.status, 0);
  assert.equal(listed.stdout, `0\t${join(root, "a b")}\n0\t${join(root, "c")}\n`);
});
