// An exclude added to a group (on every node, one config) while entries below it were still
// pending for a peer that was down. Those rows can never be sent: the peer refuses them
// (NOT_INCLUDED) and the pusher's own config no longer includes them. They were offered and
// refused on every run, for ever: exit 1 every five minutes, with a hint to compare configs
// that were identical. Now the run drops them, sends the rest, and exits 0.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pairForFile } from "./sync-cluster.js";

const pair = pairForFile();

test("rows pending below a newly excluded path are dropped, not refused on every run", async () => {
  const { cluster, a, b } = pair;
  writeFileSync(join(a.root, "f1"), "v1\n");
  assert.equal((await a.run(["sync"])).code, 0);

  await b.stop();
  mkdirSync(join(a.root, "logs"));
  writeFileSync(join(a.root, "logs", "x.log"), "log\n");
  // Also a file below a directory a basename pattern will drop: its own name matches nothing.
  mkdirSync(join(a.root, "cache.d"));
  writeFileSync(join(a.root, "cache.d", "y"), "y\n");
  writeFileSync(join(a.root, "f1"), "v2\n");
  assert.equal((await a.run(["sync"])).code, 4, "b is down: all five stay pending");
  const before = (await a.run(["list-pending"])).stdout;
  assert.match(before, /%data%\/logs\/x\.log/);
  assert.match(before, /%data%\/cache\.d\/y/);

  // The operator excludes the logs on every node, then b comes back.
  const cfg = readFileSync(cluster.configFile, "utf8");
  writeFileSync(cluster.configFile, cfg.replace("  include %data%;\n", "  include %data%;\n  exclude %data%/logs;\n  exclude *.d;\n"));
  await b.start();

  for (const run of [1, 2]) {
    const res = await a.run(["-v", "sync"]);
    assert.equal(res.code, 0, `run ${run}:\n${res.stderr}`);
    assert.doesNotMatch(res.stderr, /NOT_INCLUDED|does not include it/, `run ${run}`);
  }
  assert.equal((await a.run(["list-pending"])).code, 2, "nothing left pending");
  assert.equal(readFileSync(join(b.root, "f1"), "utf8"), "v2\n", "the rest went");
  assert.ok(!existsSync(join(b.root, "logs")), "the excluded tree did not");
  assert.ok(!existsSync(join(b.root, "cache.d")), "nor the directory the basename pattern drops");
  // The index entries stay until prune: what prune would remove is what the sync stopped offering.
  const pruned = await a.run(["prune", "-d"]);
  assert.match(pruned.stdout, /would remove 4 entries \(0 of groups not in the config, 4 no longer included\)/);
});
