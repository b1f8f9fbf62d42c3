// A daemon started a second time for a node whose daemon runs (an operator typing `peersync -ii`
// out of csync2 habit while the systemd service runs, or csync2's server still on the port): it
// must exit 1 naming the port that is taken, who usually holds it and how to find out, and
// leave the running daemon as it was.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeCluster, type Cluster, type ClusterNode } from "./sync-cluster.js";

let cluster: Cluster;
let b: ClusterNode;
before(async () => {
  cluster = await makeCluster(["a", "b"]);
  b = cluster.nodes["b"]!;
});
after(async () => {
  await cluster.stop();
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
