// A state dir on a full (then read-only) file system at start: every command that writes there
// (check: the index; sync: the run lock; hint: the spool; daemon: the node identity) exits 1
// with a message naming the file and the full disk, and a hint to free space there. Not an
// "internal error" that calls it a bug, not a bare "ENOSPC ... write" naming no file, and
// never the advice to move the index aside. Nothing is left behind (no lock, no temp file),
// and once space is freed the next sync converges.
// Needs root (mount -t tmpfs); the mount is removed at the end, also on failure.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { mountedClusterFixture } from "../helpers/faults.js";
import { makeCluster, snapshot, type Cluster } from "../integration/sync-cluster.js";

const fx = mountedClusterFixture();

/** What a command writes first in the state dir, as its error names it. */
const commands: readonly { args: (root: string) => string[]; writes: string }[] = [
  { args: () => ["check"], writes: "the index" },
  { args: () => ["sync"], writes: "the run lock" },
  { args: (root) => ["hint", join(root, "new.txt")], writes: "the hint spool" },
  { args: () => ["daemon"], writes: "the node identity" },
];

test("a full or read-only state dir is named with its fix by every command, leaves nothing behind, and the next sync converges", { timeout: 120_000 }, async () => {
  fx.cluster = await makeCluster(["a", "b"], { start: false });
  const { a, b } = fx.cluster.nodes as Record<string, Cluster["nodes"][string]>;
  mkdirSync(a!.state, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", a!.state]);
  fx.mounted = a!.state;
  await b!.start();
  writeFileSync(join(a!.root, "new.txt"), "made while the state dir was full\n");
  const filler = join(a!.state, "filler");
  // Fills the tmpfs to its last byte (dd stops at ENOSPC).
  try {
    execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { stdio: "ignore" });
  } catch {
    // "No space left on device": what was wanted
  }

  for (const c of commands) {
    const res = await a!.run(c.args(a!.root));
    const shown = `${c.args(a!.root).join(" ")}:\n${res.stderr}`;
    assert.equal(res.code, 1, shown);
    assert.match(res.stderr, new RegExp(`^peersync: Cannot write ${c.writes} "${a!.state}/[^"]+": the file system holding it is full \\((ENOSPC|SQLITE_FULL)`, "m"), shown);
    assert.match(res.stderr, new RegExp(`^hint: free space on the file system of ${a!.state} \\(df -h ${a!.state}\\)`, "m"), shown);
    assert.doesNotMatch(res.stderr, /internal error|bug in peersync|move it aside/, shown);
  }
  const left = readdirSync(a!.state).filter((f) => f === "sync.lock" || f.endsWith(".tmp"));
  assert.deepEqual(left, [], "no lock file and no temp file left in the state dir");

  // Read-only (a disk remounted ro after errors): named as such, with its own fix.
  rmSync(filler);
  execFileSync("mount", ["-o", "remount,ro", a!.state]);
  const ro = await a!.run(["sync"]);
  execFileSync("mount", ["-o", "remount,rw", a!.state]);
  assert.equal(ro.code, 1, ro.stderr);
  assert.match(ro.stderr, /^peersync: Cannot write the run lock ".*": the file system holding it is read-only \(EROFS/m);
  assert.match(ro.stderr, new RegExp(`^hint: remount the file system of ${a!.state} read-write`, "m"));

  // The operator freed space (and remounted): the next sync converges.
  const res = await a!.run(["sync"]);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(snapshot(b!.root), snapshot(a!.root));
  assert.ok("/new.txt" in snapshot(b!.root));
});
