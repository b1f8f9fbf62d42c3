// Regressions for what the kill test (kill.test.ts) found: a writer's temp file left by a
// kill -9 was never removed (the daemon and `sync` now sweep orphans at start) and a check
// recorded it as a new file (it would then travel to peers as a file of the group).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { TEMP_PREFIX } from "../../src/fs/temp-names.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../../src/index/testing.js";
import { sweepTemps } from "../../src/sync/sweep.js";
import { PEERSYNC_BIN, cleanup } from "../helpers/daemon.js";
import { indexEntry } from "../helpers/faults.js";

const dir = tempDir("temps");
after(() => cleanup(dir));
const root = join(dir, "tree");
mkdirSync(join(root, "sub"), { recursive: true });
const cfg = writeTestConfig(join(dir, "etc"), { include: [root], hosts: "a b" });
const state = join(dir, "state");

/** A temp name as atomic-write makes it, with `pid` as its writer. */
const tempOf = (pid: number): string => `${TEMP_PREFIX}${pid.toString(16).padStart(8, "0")}0badf00d`;

test("sweepTemps removes temp files whose writer is dead, at any depth, and keeps a live writer's", async () => {
  const dead = join(root, "sub", tempOf(4_000_000)); // above pid_max: no such process
  const live = join(root, tempOf(process.ppid)); // the test runner: alive, not us
  const ours = join(root, "sub", tempOf(process.pid)); // a reused pid: ours has no write in flight
  const notTemp = join(root, ".peersync-tmp-notours");
  for (const f of [dead, live, ours, notTemp]) writeFileSync(f, "x");
  const removed = await sweepTemps(loadTestConfig(cfg, state));
  assert.deepEqual(removed.sort(), [dead, ours].sort());
  assert.ok(existsSync(live) && existsSync(notTemp));
  for (const f of [live, notTemp]) spawnSync("rm", ["-f", f]);
});

test("a check never records a writer's temp file", () => {
  writeFileSync(join(root, "real.txt"), "hello");
  writeFileSync(join(root, "sub", tempOf(process.ppid)), "half a file");
  const r = spawnSync(process.execPath, [PEERSYNC_BIN, "--config", cfg, "-N", "a", "-D", state, "check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(indexEntry(state, join(root, "real.txt")), "the real file is recorded");
  assert.equal(indexEntry(state, join(root, "sub", tempOf(process.ppid))), undefined, "the temp file is not");
});

test("sync sweeps orphaned temp files only after a run that died (its lock left behind), not on every run", () => {
  const orphan = join(root, "sub", tempOf(4_000_001)); // above pid_max: its writer is gone
  writeFileSync(orphan, "half a version");
  const sync = (): void => {
    // b is not reachable (exit 4); only the sweep is looked at here.
    spawnSync(process.execPath, [PEERSYNC_BIN, "--config", cfg, "-N", "a", "-D", state, "sync"], { encoding: "utf8", env: { ...process.env, PEERSYNC_CONNECT_TIMEOUT_MS: "500" } });
  };
  sync();
  assert.ok(existsSync(orphan), "a run after a clean one does not walk the tree for temp files");
  writeFileSync(join(state, "sync.lock"), "4000001\n"); // what a killed run leaves
  sync();
  assert.equal(existsSync(orphan), false, "the run after a dead one sweeps what it may have left");
  assert.equal(existsSync(join(state, "sync.lock")), false, "and releases the lock it took over");
});
