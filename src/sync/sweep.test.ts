import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { TEMP_PREFIX } from "../fs/temp-names.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { sweepTemps } from "./sweep.js";

const dir = tempDir("sweep");
after(() => rmSync(dir, { recursive: true, force: true }));
const root = join(dir, "tree");
const deep = join(root, "a", "b", "c");
mkdirSync(deep, { recursive: true });
const config = loadTestConfig(writeTestConfig(join(dir, "etc"), { include: [root], hosts: "a b" }), join(dir, "state"));
const tempOf = (pid: number, tag: string): string => `${TEMP_PREFIX}${pid.toString(16).padStart(8, "0")}${tag}`;

test("a daemon's sweep keeps the temp files it made itself and removes a reused pid's older ones", async () => {
  const ours = join(deep, tempOf(process.pid, "00000001"));
  writeFileSync(ours, "a write in flight");
  // Made after the daemon started: ours, kept.
  assert.deepEqual(await sweepTemps(config, { ownWritesSince: Date.now() - 60_000 }), []);
  assert.ok(existsSync(ours));
  // Made before this process started: an earlier process with the same pid left it.
  assert.deepEqual(await sweepTemps(config, { ownWritesSince: Date.now() + 60_000 }), [ours]);
});

test("an aborted sweep stops walking", async () => {
  const dead = join(deep, tempOf(4_000_000, "00000002"));
  writeFileSync(dead, "x");
  const abort = new AbortController();
  abort.abort();
  assert.deepEqual(await sweepTemps(config, { signal: abort.signal }), []);
  assert.ok(existsSync(dead));
  assert.deepEqual(await sweepTemps(config, { isAlive: () => false }), [dead]);
});
