// When `peersync sync` connects, on real processes: only once its check has found a change (a
// no-change cron run stays on the node), and then once per peer: the session opened while the
// check still runs (sync/early-sessions.ts) is the one the update uses, and a peer that
// refuses it is reported with that attempt's own error, not tried a second time.

import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, runCli, writeKey } from "../helpers/daemon.js";
import { FAST_ENV, makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

const clusters: Cluster[] = [];
after(async () => {
  for (const c of clusters) {
    await c.stop();
    cleanup(c.dir);
  }
});

/** Listens on `port` of 127.0.0.1 in a peer's place: counts connections and drops each at once. */
async function counter(port: number): Promise<{ readonly count: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    count++;
    sockets.push(s);
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  return { count: () => count, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Two nodes, alpha and beta, after alpha synced one file "f" ("one") to beta. */
async function syncedPair(): Promise<Cluster["nodes"]> {
  const c = await makeCluster(["alpha", "beta"]);
  clusters.push(c);
  writeFileSync(join(c.nodes.alpha!.root, "f"), "one\n");
  const first = await c.nodes.alpha!.run(["sync"]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  return c.nodes;
}

test("sync connects only when its check finds a change, and then once per peer", async () => {
  const { alpha, beta } = await syncedPair();
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root), "the session opened during the check carried the sync");

  await beta!.stop();
  const peer = await counter(beta!.port);
  try {
    const quiet = await alpha!.run(["sync"]);
    assert.equal(quiet.code, 0, quiet.stderr + quiet.stdout);
    assert.equal(peer.count(), 0, "a run whose check found nothing connected to a peer");

    writeFileSync(join(alpha!.root, "f"), "two\n");
    const refused = await alpha!.run(["sync"]);
    assert.equal(refused.code, 4, refused.stderr + refused.stdout);
    assert.match(refused.stderr, /unreachable: g\/beta/);
    assert.doesNotMatch(refused.stderr, /next attempt/, "the warm-up's own error is reported, not a backoff notice");
    assert.equal(peer.count(), 1, "one connection for the run: the update used the session the check's warm-up opened");
  } finally {
    await peer.close();
  }

  await beta!.start();
  const caughtUp = await alpha!.run(["sync"]);
  assert.equal(caughtUp.code, 0, caughtUp.stderr + caughtUp.stdout);
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root));
});

test("a peer that refuses this node's group key is reported with the hint that fixes it", async () => {
  const c = await makeCluster(["alpha", "beta"]);
  clusters.push(c);
  const { alpha, beta } = c.nodes;
  // alpha's copy of the config names a key file that differs from the one beta was given.
  const wrongKey = writeKey(c.dir, "other.key", "another-group");
  const config = readFileSync(c.configFile, "utf8").replace(/key [^;]+;/, `key ${wrongKey};`);
  const wrongConfig = join(c.dir, "alpha-wrong-key.cfg");
  writeFileSync(wrongConfig, config);
  writeFileSync(join(alpha!.root, "f"), "one\n");
  const r = await runCli(["-N", "alpha", "--config", wrongConfig, "--state-dir", alpha!.state, "sync"], FAST_ENV);
  assert.equal(r.code, 4, r.stderr + r.stdout);
  const lines = r.stderr.split("\n");
  const at = lines.findIndex((l) => /^unreachable: g\/beta: .*group-key proof does not match/.test(l));
  assert.ok(at >= 0, r.stderr);
  assert.match(lines[at + 1] ?? "", /^ {2}hint: .*key/, "the hint follows the unreachable line");
  assert.deepEqual(snapshot(beta!.root), {}, "nothing reached beta");
  const status = await alpha!.run(["status", "--json"]);
  assert.match(status.stdout, /group-key proof does not match[^"]*; /, "status keeps the hint with the peer's last error");
});

// A one-shot run said a down peer's failure two or three times (the pool's warning with a
// retryInMs nothing waits for, the update's warning, the final line), and a refused connection
// came with no hint. Once now, in the final line, with the hint.
test("sync and test name a peer whose daemon is down once, in the final line, with the hint to check the daemon", async () => {
  const c = await makeCluster(["alpha", "beta"]);
  clusters.push(c);
  const { alpha, beta } = c.nodes;
  await beta!.stop();
  writeFileSync(join(alpha!.root, "f"), "one\n");
  const sync = await alpha!.run(["sync"]);
  assert.equal(sync.code, 4, sync.stderr + sync.stdout);
  const lines = sync.stderr.split("\n").filter((l) => l !== "");
  assert.deepEqual(lines.filter((l) => l.includes("ECONNREFUSED")).length, 1, sync.stderr);
  assert.doesNotMatch(sync.stderr, /retryInMs|warn:/, sync.stderr);
  const at = lines.findIndex((l) => /^unreachable: g\/beta: .*ECONNREFUSED/.test(l));
  assert.equal(lines[at + 1], `  hint: is the peersync daemon running on beta? (\`systemctl status peersync\` there; it listens on 127.0.0.1:${beta!.port} by this node's config)`, sync.stderr);

  const t = await alpha!.run(["test"]);
  assert.equal(t.code, 1, t.stderr + t.stdout);
  const tLines = t.stderr.split("\n").filter((l) => l.includes("ECONNREFUSED"));
  assert.equal(tLines.length, 1, t.stderr);
  assert.match(tLines[0]!, /^ERROR: g\/beta: .*ECONNREFUSED.*; is the peersync daemon running on beta\?/, t.stderr);
  assert.doesNotMatch(t.stderr, /retryInMs|warn:/, t.stderr);

  // status said UNREACHABLE (…) without it. Asked while alpha's daemon is stopped, so status
  // probes beta itself rather than reading the daemon's record.
  await alpha!.stop();
  const hint = `is the peersync daemon running on beta? (\`systemctl status peersync\` there; it listens on 127.0.0.1:${beta!.port} by this node's config)`;
  const status = await alpha!.run(["status"]);
  assert.equal(status.code, 0, status.stderr + status.stdout);
  const sLines = status.stdout.split("\n");
  const peerAt = sLines.findIndex((l) => /^ {2}peer beta .*: UNREACHABLE \(.*ECONNREFUSED.*\)/.test(l));
  assert.ok(peerAt >= 0, status.stdout);
  assert.equal(sLines[peerAt + 1], `    hint: ${hint}`, status.stdout);
  const json = JSON.parse((await alpha!.run(["status", "--json"])).stdout) as { groups: { peers: { name: string; reachable: boolean; hint: string | null }[] }[] };
  const peer = json.groups[0]!.peers.find((p) => p.name === "beta")!;
  assert.deepEqual([peer.reachable, peer.hint], [false, hint]);
});

// A reinstalled node (a new identity.pem) is refused by the peer that pinned its old
// certificate. The unreachable line said the `trust --reset` advice twice: in the refusal's
// message and again in its hint. Once now, on the hint line; the message says what changed.
test("a peer that refuses this node's changed certificate says the trust --reset advice once", async () => {
  const { alpha, beta } = await syncedPair();

  await alpha!.stop();
  rmSync(join(alpha!.state, "identity.pem"));
  writeFileSync(join(alpha!.root, "f"), "two\n");
  const r = await alpha!.run(["sync"]);
  assert.equal(r.code, 4, r.stderr + r.stdout);
  const lines = r.stderr.split("\n");
  const at = lines.findIndex((l) => /^unreachable: g\/beta: .*certificate changed \(pinned [0-9A-F:]+, presented [0-9A-F:]+\)/.test(l));
  assert.ok(at >= 0, r.stderr);
  assert.match(lines[at + 1] ?? "", /^ {2}hint: .*`peersync trust --reset alpha` on node "beta"/, r.stderr);
  assert.equal(r.stderr.split("trust --reset").length - 1, 1, `said once:\n${r.stderr}`);
  // The serving daemon's line still says what to run, and where.
  await beta!.daemon!.waitForLog((rec) => /^refused peer: .*certificate changed.*`peersync trust --reset alpha` on node "beta"/.test(rec.msg ?? ""), 5000);
});
