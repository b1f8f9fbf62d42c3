// A daemon started a second time for a node whose daemon runs (an operator typing `peersync -ii`
// out of csync2 habit while the systemd service runs, or csync2's server still on the port): it
// must exit 1 naming the port that is taken, who usually holds it and how to find out, and
// leave the running daemon as it was: above all the ownership of the action queue, or the
// node's next one-shot run takes the live daemon for dead and runs its actions a second time.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup, tempDir } from "../helpers/daemon.js";
import { makeCluster, type Cluster, type ClusterNode } from "./sync-cluster.js";

let cluster: Cluster;
let b: ClusterNode;
let ranLog: string;
const logDir = tempDir("daemon-twice");
before(async () => {
  ranLog = join(logDir, "ran.log");
  cluster = await makeCluster(["a", "b"], {
    // A slow action: still running when the pusher's batch-end was answered (after half of b's
    // request timeout), so a one-shot run on b meets its queue row.
    extra: [`action { pattern %data%/*; exec "sleep 3; echo ran >> ${ranLog}"; }`],
    daemonEnv: { PEERSYNC_REQUEST_TIMEOUT_MS: "2000" },
  });
  b = cluster.nodes["b"]!;
});
after(async () => {
  await cluster.stop();
  cleanup(logDir, cluster.dir);
});

test("a second daemon for the node names the taken port and how to find its holder, and exits 1", async () => {
  const second = await b.run(["daemon"]);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`^peersync: Cannot listen on 127\\.0\\.0\\.1:${b.port}: another process listens there already: this node's peersync daemon, started twice, or another service$`, "m"));
  assert.match(second.stderr, new RegExp(`^hint: stop that process \\(\`ss -ltnp 'sport = :${b.port}'\` shows it\\)`, "m"));
  assert.doesNotMatch(second.stderr, /listener error/);
  // The running daemon still serves.
  assert.equal((await cluster.nodes["a"]!.run(["test"])).code, 2);
});

test("after a second daemon failed to start, an action the running daemon runs is not run again by a sync on the node", async () => {
  // The test above started (and failed) a second daemon for b.
  writeFileSync(ranLog, "");
  writeFileSync(join(cluster.nodes["a"]!.root, "conf"), "v1\n");
  const pushed = await cluster.nodes["a"]!.run(["sync"]);
  assert.equal(pushed.code, 0, pushed.stderr);
  // b's daemon is running the action now; b's cron run must leave its row to the daemon.
  const own = await b.run(["sync"]);
  assert.equal(own.code, 0, own.stderr);
  const deadline = Date.now() + 15_000;
  while (readFileSync(ranLog, "utf8") === "" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 4000)); // a second run, if any, ends within its 3 s
  assert.equal(readFileSync(ranLog, "utf8"), "ran\n", "the action ran once");
});
