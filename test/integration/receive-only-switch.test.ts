// A node switched to receive-only (its host entry put in parentheses, csync2's `(host)`) kept
// the rows that were pending for its peers from before the switch for ever: list-pending and
// status showed them, and nothing would ever send them. On real processes: the next check and
// the daemon's start drop them, each saying how many and why, and the entries stay.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, type Cluster } from "./sync-cluster.js";

let cluster: Cluster | undefined;
after(async () => {
  await cluster?.stop();
  if (cluster) cleanup(cluster.dir);
});

test("a node switched to receive-only drops its old pending rows at its next check and at its daemon's start", async () => {
  cluster = await makeCluster(["alpha", "beta"], { start: false });
  const c = cluster;
  const alpha = c.nodes["alpha"]!;
  const sends = readFileSync(c.configFile, "utf8");
  const receives = sends.replace(/host alpha@(\S+) /, "host (alpha@$1) ");
  assert.notEqual(receives, sends);

  // Pending for beta (down) while alpha sent, then alpha is made receive-only.
  writeFileSync(join(alpha.root, "one.txt"), "one\n");
  assert.equal((await alpha.run(["check"])).code, 0);
  assert.match((await alpha.run(["list-pending"])).stdout, /one\.txt/);
  writeFileSync(c.configFile, receives);
  const checked = await alpha.run(["check"]);
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stderr, /group "g": this node is receive-only there .*dropped 2 pending row\(s\) left from before; their version history and conflicts stay/);
  const listed = await alpha.run(["list-pending"]);
  assert.equal(listed.code, 2, `nothing pending any more:\n${listed.stdout}`);
  assert.match((await alpha.run(["list-db"])).stdout, /one\.txt/, "the entry stays");
  const again = await alpha.run(["check"]);
  assert.doesNotMatch(again.stderr, /receive-only there/, "said once");

  // The same through the daemon's start: two.txt's row, made while alpha sent, goes as it starts.
  writeFileSync(c.configFile, sends);
  writeFileSync(join(alpha.root, "two.txt"), "two\n");
  assert.equal((await alpha.run(["check"])).code, 0);
  assert.match((await alpha.run(["list-pending"])).stdout, /two\.txt/);
  writeFileSync(c.configFile, receives);
  await alpha.start();
  await alpha.daemon!.waitForLog((r) => /^group "g": this node is receive-only there .*dropped 1 pending row\(s\)/.test(r.msg ?? "") && r["rows"] === 1);
  assert.equal((await alpha.run(["list-pending"])).code, 2);
});
