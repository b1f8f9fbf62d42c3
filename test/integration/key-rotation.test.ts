// A group key rotation as operators do it: a new key written to the key file on every host,
// then each daemon reloaded. A daemon not reloaded yet keeps the key it read at its start, so
// syncs against it fail although every key file is the same: the refusal must name that node
// and say to reload it, not "check that both nodes use the same key file" (they do). Keys that
// really differ get the hint to copy one key file everywhere. After the reload, the next sync
// converges. The hint must reach the operator: in sync's unreachable line, in test's ERROR
// line, and in the refusing daemon's log.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, writeKey } from "../helpers/daemon.js";
import { pairForFile, snapshot } from "./sync-cluster.js";

const pair = pairForFile();

test("a daemon that still holds the old key after a rotation is named, with the reload to run; after it, the sync converges", async () => {
  const { cluster, a, b } = pair;
  writeFileSync(join(a.root, "before.txt"), "synced with the old key\n");
  assert.equal((await a.run(["sync"])).code, 0);

  // The new key reaches every host's key file; b's daemon is not reloaded yet.
  const keyFile = join(cluster.dir, "g.key");
  const newKey = readFileSync(writeKey(cluster.dir, "new.key", "rotated"), "utf8");
  writeFileSync(keyFile, newKey);
  writeFileSync(join(a.root, "after.txt"), "made after the rotation\n");
  const mark = b.daemon!.mark();

  const res = await a.run(["sync"]);
  assert.equal(res.code, 4, res.stderr);
  assert.match(res.stderr, new RegExp(`^unreachable: g/b: .*group-key proof does not match: node "b" still holds the key it read before its key file "${keyFile}" changed\\n  hint: reload the daemon on node "b" \\(systemctl reload peersync`, "m"));
  const refused = await b.daemon!.waitForLog((r) => /group-key proof does not match/.test(JSON.stringify(r)), 5000, mark);
  assert.match(JSON.stringify(refused), /node \\"b\\" still holds the key it read before/);

  const compared = await a.run(["test"]);
  assert.equal(compared.code, 1, compared.stderr);
  assert.match(compared.stderr, /^ERROR: g\/b: .*still holds the key.*; reload the daemon on node "b"/m);

  const reloaded = b.daemon!.mark();
  b.daemon!.signal("SIGHUP");
  await b.daemon!.waitForLog((r) => r.msg === "config reloaded", 10_000, reloaded);
  const again = await a.run(["sync"]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(snapshot(b.root), snapshot(a.root));
});

test("keys that really differ: the refusal says to give every host the same key file", async () => {
  const { cluster, a, b } = pair;
  // a runs with a config naming another key file: b holds the key its file has.
  const otherKey = writeKey(cluster.dir, "other.key", "not-the-group-key");
  const cfg = join(cluster.dir, "a-other.cfg");
  writeFileSync(cfg, readFileSync(cluster.configFile, "utf8").replace(join(cluster.dir, "g.key"), otherKey));
  writeFileSync(join(a.root, "other.txt"), "x\n");
  const res = await runCli(["-N", "a", "--config", cfg, "--state-dir", a.state, "sync"], { PEERSYNC_CONNECT_TIMEOUT_MS: "3000" });
  assert.equal(res.code, 4, res.stderr);
  assert.match(res.stderr, /^unreachable: g\/b: .*group-key proof does not match\n {2}hint: the two nodes hold different keys for group "g": give every host of the group the same key file/m);
  assert.doesNotMatch(res.stderr, /still holds the key/);
});
