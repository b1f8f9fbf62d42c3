// Full disk on the receiver (issue #10, item 3): b's root is a small tmpfs that fills up in the
// middle of a sync (a large file's new version does not fit beside its old one). The pusher
// and b's log must name the path and the free space; b keeps the previous version of that
// file, its index entry for it is unchanged, and the files that fitted arrived. Once space is
// freed, the next sync completes and the trees are identical.
// Needs root (mount -t tmpfs); the mount is removed at the end, also on failure.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { indexEntry, sha256, mountedClusterFixture } from "../helpers/faults.js";
import { makeCluster, snapshot, type Cluster } from "../integration/sync-cluster.js";

const TMPFS_MB = 12;
const fx = mountedClusterFixture();

test("a receiver whose disk fills mid-sync keeps the previous version, says where and how much is free, and catches up once freed", { timeout: 300_000 }, async () => {
  // The filler lives on b's tmpfs but outside the group (excluded), as another tenant's data would.
  fx.cluster = await makeCluster(["a", "b"], { start: false, extra: ["exclude %data%/filler;"] });
  const { a, b } = fx.cluster.nodes as Record<string, Cluster["nodes"][string]>;
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_MB}m,mode=0755`, "tmpfs", b!.root]);
  fx.mounted = b!.root;
  await a!.start();
  await b!.start();

  writeFileSync(join(a!.root, "big.bin"), randomBytes(4 << 20));
  writeFileSync(join(a!.root, "small-1.txt"), "first version\n");
  const first = await a!.run(["sync"]);
  assert.equal(first.code, 0, first.stderr);
  const oldBig = sha256(readFileSync(join(b!.root, "big.bin")));
  const bigPath = "%data%/big.bin";
  const entryBefore = indexEntry(b!.state, bigPath);
  assert.ok(entryBefore, "b recorded big.bin");

  // 4 MiB old big.bin + 6 MiB filler leaves ~2 MiB: small files fit, the new 5 MiB big.bin does not.
  writeFileSync(join(b!.root, "filler"), Buffer.alloc(6 << 20, 1));
  writeFileSync(join(a!.root, "big.bin"), randomBytes(5 << 20));
  mkdirSync(join(a!.root, "docs"));
  for (let i = 0; i < 20; i++) writeFileSync(join(a!.root, "docs", `note-${i}.txt`), `note ${i}\n`.repeat(100));
  const mark = b!.daemon!.mark();
  const full = await a!.run(["sync"]);

  assert.notEqual(full.code, 0, "a sync that could not write a file must not exit 0");
  const line = full.stderr.split("\n").find((l) => l.includes("big.bin"));
  assert.ok(line, `the pusher names the path:\n${full.stderr}`);
  assert.match(line, /no space left on device \(\d+ bytes free\)/, `the pusher says how much is free: ${line}`);
  const logged = b!.daemon!.logsSince(mark).map((r) => JSON.stringify(r)).find((l) => /big\.bin/.test(l) && /no space left/.test(l));
  assert.ok(logged, `b logs the full disk with the path:\n${b!.daemon!.logText()}`);
  assert.match(logged, /bytes free/);

  assert.equal(sha256(readFileSync(join(b!.root, "big.bin"))), oldBig, "b keeps the previous big.bin");
  assert.deepEqual(indexEntry(b!.state, bigPath), entryBefore, "b's index entry for big.bin is unchanged");
  assert.equal(readFileSync(join(b!.root, "docs", "note-7.txt"), "utf8"), "note 7\n".repeat(100), "what fitted arrived");
  assert.deepEqual(execFileSync("find", [b!.root, "-name", ".peersync-tmp-*"], { encoding: "utf8" }), "", "no temp file left on the full disk");

  rmSync(join(b!.root, "filler"));
  const after = await a!.run(["sync"]);
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(snapshot(b!.root), snapshot(a!.root));
});
