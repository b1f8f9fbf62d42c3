// Scenario (DESIGN.md §1): an HA pair, both nodes writable. Writes on both sides converge; a
// failover either way (one daemon stopped by PID, writes on the survivor, restart, sync) loses
// nothing; a second sync run while one holds the lock exits at once (6) and says why.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { snapshot, type Cluster, type ClusterNode } from "../integration/sync-cluster.js";
import { makeScenarioCluster } from "./cluster.js";

let c: Cluster;
let a: ClusterNode;
let b: ClusterNode;
before(async () => {
  c = await makeScenarioCluster(["ha1", "ha2"]);
  a = c.nodes.ha1!;
  b = c.nodes.ha2!;
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

async function sync(node: ClusterNode, want = 0): Promise<string> {
  const r = await node.run(["sync"]);
  assert.equal(r.code, want, `${node.name}: sync exit ${r.code}, want ${want}\n${r.stdout}${r.stderr}`);
  return r.stderr;
}

async function assertConverged(): Promise<void> {
  assert.deepEqual(snapshot(b.root), snapshot(a.root));
  const t = await a.run(["test"]);
  assert.equal(t.code, 2, `test says in sync\n${t.stdout}${t.stderr}`);
}

test("writes on both sides converge", async () => {
  mkdirSync(join(a.root, "www"));
  writeFileSync(join(a.root, "www/index.html"), "<h1>from ha1</h1>\n");
  writeFileSync(join(b.root, "session-b.dat"), "from ha2\n");
  await sync(a);
  await sync(b);
  await assertConverged();
  assert.equal(readFileSync(join(a.root, "session-b.dat"), "utf8"), "from ha2\n");
  // A path named as sync and test print it (%prefix%/...) works as the local one does.
  const under = await a.run(["test", "%data%/www"]);
  assert.equal(under.code, 2, `test %data%/www says in sync\n${under.stdout}${under.stderr}`);
});

for (const [downName, upName] of [["ha2", "ha1"], ["ha1", "ha2"]] as const) {
  test(`failover: ${downName} down, writes on ${upName}, ${downName} back: nothing lost`, async () => {
    const down = c.nodes[downName]!;
    const up = c.nodes[upName]!;
    const pid = down.daemon!.pid;
    await down.stop();
    assert.throws(() => process.kill(pid, 0), "the daemon process is gone");
    writeFileSync(join(up.root, `while-${downName}-down.txt`), `written on ${upName}\n`);
    writeFileSync(join(up.root, "www/index.html"), `<h1>${upName} took over</h1>\n`);
    const stderr = await sync(up, 4);
    assert.match(stderr, new RegExp(`unreachable: g/${downName}`));
    const pending = await up.run(["list-pending"]);
    assert.equal(pending.code, 0);
    assert.match(pending.stdout, new RegExp(`\\t${downName}\\t%data%/www/index.html`));
    assert.match(pending.stdout, new RegExp(`\\t${downName}\\t%data%/while-${downName}-down.txt`));
    const t = await up.run(["test"]);
    assert.equal(t.code, 1, `test cannot ask ${downName}: exit 1\n${t.stdout}${t.stderr}`);
    assert.match(t.stderr, new RegExp(`ERROR: g/${downName}: `));
    await down.start();
    await sync(up);
    await assertConverged();
    assert.equal(readFileSync(join(down.root, "www/index.html"), "utf8"), `<h1>${upName} took over</h1>\n`);
    assert.equal((await up.run(["list-pending"])).code, 2, "nothing left pending");
  });
}

test("a second sync while one holds the lock exits at once with 6 and a clear message", async () => {
  // A live pid in the lock file, the way sync/lock.ts writes it: this test process holds it.
  const lock = join(a.state, "sync.lock");
  writeFileSync(lock, `${process.pid}\n`);
  writeFileSync(join(a.root, "blocked.txt"), "waits for the lock\n");
  const started = Date.now();
  const r = await a.run(["sync"]);
  assert.equal(r.code, 6, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`another run \\(pid ${process.pid}\\) holds`));
  assert.ok(Date.now() - started < 15_000, "exits at once, without waiting for the lock");
  assert.equal(readFileSync(lock, "utf8"), `${process.pid}\n`, "the holder's lock is left alone");
  assert.equal(snapshot(b.root)["/blocked.txt"], undefined, "nothing was sent");
  // A csync2-style run maps 6 to 1.
  assert.equal((await a.run(["-x"])).code, 1);
  // The holder is gone (a dead pid): the lock is stale and the next run takes it over.
  writeFileSync(lock, "999999999\n");
  await sync(a);
  await assertConverged();
});
