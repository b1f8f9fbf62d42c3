// Scenario (DESIGN.md §1, etc/examples/app-journal.cfg): an application writes a file and runs
// `peersync hint PATH`; `peersync sync --hinted` (csync2 -cu) queues the change per peer in
// the index, a peer that is down keeps its rows and catches up when it is back, and
// `peersync test` compares two nodes without changing anything on either.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { snapshot, type Cluster, type ClusterNode } from "../integration/sync-cluster.js";
import { makeScenarioCluster } from "./cluster.js";

let c: Cluster;
let j1: ClusterNode;
let j2: ClusterNode;
let j3: ClusterNode;
before(async () => {
  // watch no: hints drive the group; the daemons only serve it (they neither watch nor push).
  c = await makeScenarioCluster(["j1", "j2", "j3"], { extra: ["exclude *.tmp;", "auto none;", "watch no;"] });
  [j1, j2, j3] = [c.nodes.j1!, c.nodes.j2!, c.nodes.j3!];
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

/** The application: write a temp file, rename it into place, hint it. */
async function appWrites(node: ClusterNode, rel: string, text: string): Promise<void> {
  const file = join(node.root, rel);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
  const r = await node.run(["hint", file]);
  assert.equal(r.code, 0, r.stderr);
}

function pendingLines(stdout: string): string[] {
  return stdout.split("\n").filter(Boolean).sort();
}

test("a hinted write is queued per peer, and a peer that was down catches up when it is back", async () => {
  await appWrites(j1, "journal/0001.json", '{"seq":1}\n');
  const hints = await j1.run(["list-hints"]);
  assert.equal(hints.code, 0);
  assert.match(hints.stdout, /journal\/0001\.json/);

  await j3.stop();
  const first = await j1.run(["sync", "--hinted"]);
  assert.equal(first.code, 4, `j3 is down: exit 4\n${first.stdout}${first.stderr}`);
  assert.match(first.stderr, /unreachable: g\/j3/);
  assert.equal(readFileSync(join(j2.root, "journal/0001.json"), "utf8"), '{"seq":1}\n');
  // Durable: the rows are in the index (a new process reads them), for j3 only.
  const pending = await j1.run(["list-pending"]);
  assert.equal(pending.code, 0);
  const rows = pendingLines(pending.stdout);
  assert.ok(rows.includes("chary\tj1\tj3\t%data%/journal/0001.json"), pending.stdout);
  assert.ok(rows.every((r) => r.startsWith("chary\tj1\tj3\t")), `nothing pending for j2 (it acknowledged)\n${pending.stdout}`);

  // More writes while j3 is down; a second run still cannot reach it and keeps every row.
  await appWrites(j1, "journal/0002.json", '{"seq":2}\n');
  const second = await j1.run(["-cu"]);
  assert.equal(second.code, 1, "csync2-style: unreachable maps to 1");
  const still = pendingLines((await j1.run(["list-pending"])).stdout);
  assert.ok(still.includes("chary\tj1\tj3\t%data%/journal/0001.json") && still.includes("chary\tj1\tj3\t%data%/journal/0002.json"), still.join("\n"));

  await j3.start();
  const back = await j1.run(["update"]);
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.equal((await j1.run(["list-pending"])).code, 2, "nothing pending any more");
  assert.deepEqual(snapshot(j3.root), snapshot(j1.root));
  assert.deepEqual(snapshot(j2.root), snapshot(j1.root));
});

/** Every file of a state dir with its sha256, leaving out SQLite's WAL and shared-memory files. */
function stateDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full, `${rel}/${name}`);
      else if (!/-(wal|shm|journal)$/.test(name)) out[`${rel}/${name}`] = createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  walk(dir, "");
  return out;
}

test("peersync test compares two nodes and changes nothing on either", async () => {
  // j2 gets a file of its own that nobody synced yet: a difference to report.
  await appWrites(j2, "journal/from-j2.json", '{"seq":"j2"}\n');
  const check = await j2.run(["check"]);
  assert.equal(check.code, 0, check.stderr);
  const before = {
    trees: [snapshot(j1.root), snapshot(j2.root)],
    db: [(await j1.run(["list-db"])).stdout, (await j2.run(["list-db"])).stdout],
    pending: [(await j1.run(["list-pending"])).stdout, (await j2.run(["list-pending"])).stdout],
    j1State: stateDigest(j1.state),
  };
  const t = await j1.run(["test", "j2"]);
  assert.equal(t.code, 0, t.stdout + t.stderr);
  assert.equal(t.stdout, "R\tj1\tj2\t%data%/journal/from-j2.json\n");
  const t2 = await j1.run(["test", "--diff", "j2"]);
  assert.match(t2.stdout, /^\+\+\+ j1:%data%\/journal\/from-j2\.json$/m);
  assert.match(t2.stdout, /^-\{"seq":"j2"\}$/m);
  assert.deepEqual([snapshot(j1.root), snapshot(j2.root)], before.trees, "no file changed");
  assert.deepEqual([(await j1.run(["list-db"])).stdout, (await j2.run(["list-db"])).stdout], before.db, "no index row changed");
  assert.deepEqual([(await j1.run(["list-pending"])).stdout, (await j2.run(["list-pending"])).stdout], before.pending, "nothing was queued");
  assert.deepEqual(stateDigest(j1.state), before.j1State, "j1's state dir is byte for byte the same");
});
