// The cluster helper itself: a node whose daemon cannot start (its port taken) must not leave
// the node that did start running after the cluster is stopped, even when stop() comes while
// that node's daemon is still starting (a test's Promise.all of starts rejects at once).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster } from "./sync-cluster.js";

test("stop() waits for a daemon still starting, so none outlives its cluster", async () => {
  const c = await makeCluster(["alpha", "beta"], { start: false });
  const blocker = createServer();
  await new Promise<void>((res) => blocker.listen(c.nodes.beta!.port, "127.0.0.1", res));
  try {
    const starts = [c.nodes.alpha!.start(), c.nodes.beta!.start()];
    await assert.rejects(Promise.all(starts), /EADDRINUSE|exited/);
    await c.stop();
    await Promise.allSettled(starts);
    const left = spawnSync("pgrep", ["-f", c.nodes.alpha!.state], { encoding: "utf8" });
    assert.equal(left.stdout.trim(), "", "alpha's daemon is not running");
    assert.equal(c.nodes.alpha!.daemon, undefined);
  } finally {
    await new Promise((res) => blocker.close(res));
    await c.stop();
    cleanup(c.dir);
  }
});
