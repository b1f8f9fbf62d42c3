// Network partition (issue #10, item 2): three nodes, each in its own network namespace, joined
// by a bridge in a fourth (test/helpers/netns.ts; private 10.213.N.0/24 addresses that exist
// only inside them). c is cut off; both sides write for a while (the same file on both sides,
// a delete on each side, new files), syncing what they can; then the link heals and syncs run
// until quiet. Every node must converge on the `auto younger` winner, every loser must be in a
// backup, no deleted file may come back, and the receivers' action must have run once per
// batch it applied (each applied path in exactly one run). The namespaces are gone at the end,
// also when the test fails.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, startDaemon, tempDir, writeKey, type DaemonProcess } from "../helpers/daemon.js";
import { sleep } from "../helpers/faults.js";
import { createLab, leftoverNamespaces, runIn, type NetLab } from "../helpers/netns.js";
import { FAST_ENV, snapshot } from "../integration/sync-cluster.js";

const NAMES = ["a", "b", "c"] as const;
type Name = (typeof NAMES)[number];
const dir = tempDir("partition");
let lab: NetLab | undefined;
const daemons: Partial<Record<Name, DaemonProcess>> = {};
after(async () => {
  await Promise.all(Object.values(daemons).map((d) => d.stop()));
  lab?.destroy();
  cleanup(dir);
});

const root = (n: Name): string => join(dir, n, "tree");
const state = (n: Name): string => join(dir, n, "state");
const actionLog = (n: Name): string => join(dir, n, "actions.log");

/** A user's edit with an explicit mtime (seconds from now), so `younger` has a known winner. */
function edit(n: Name, rel: string, text: string, mtimeOffsetS = 0): void {
  writeFileSync(join(root(n), rel), text);
  const t = Date.now() / 1000 + mtimeOffsetS;
  utimesSync(join(root(n), rel), t, t);
}

function backups(n: Name): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (join(d, e.name).includes("backup")) out.push(readFileSync(join(d, e.name), "utf8"));
    }
  };
  walk(state(n));
  return out;
}

/** One line per action run: the paths of the batch. */
function actionRuns(n: Name): string[][] {
  if (!existsSync(actionLog(n))) return [];
  return readFileSync(actionLog(n), "utf8").split("\n").filter(Boolean).map((l) => l.split(" ").slice(1).map((p) => p.slice(root(n).length + 1)));
}

test("a partition with writes on both sides heals to the policy's winner everywhere, losers backed up, nothing resurrected, actions once per batch", { timeout: 600_000 }, async () => {
  lab = createLab(NAMES);
  const key = writeKey(dir, "g.key", "partition");
  const script = join(dir, "action.sh");
  writeFileSync(script, 'node_dir=${1%/tree/*}\necho "run $*" >> "$node_dir/actions.log"\n');
  const configFile = join(dir, "peersync.cfg");
  for (const n of NAMES) mkdirSync(root(n), { recursive: true });
  writeFileSync(configFile, [
    `prefix data { ${NAMES.map((n) => `on ${n}: ${root(n)};`).join(" ")} }`,
    "group g {",
    `  host ${NAMES.map((n) => `${n}@${lab!.nodes[n]!.ip}:30865`).join(" ")};`,
    `  key ${key};`,
    "  include %data%;",
    "  auto younger;",
    "  watch no;", // syncs are driven by hand here (the churn soak runs watchers)
    `  action { pattern %data%/*; exec "sh ${script} %%"; }`,
    "}",
    "",
  ].join("\n"));
  const start = async (n: Name): Promise<void> => {
    daemons[n] = await startDaemon({ name: n, configFile, stateDir: state(n), env: FAST_ENV, wrap: lab!.nodes[n]!.wrap });
  };
  await Promise.all(NAMES.map(start));
  const syncRuns: Record<Name, number> = { a: 0, b: 0, c: 0 };
  const sync = (n: Name) => (syncRuns[n]++, runIn(lab!.nodes[n]!, ["-N", n, "--config", configFile, "--state-dir", state(n), "sync"], FAST_ENV));

  for (const f of ["f.txt", "g.txt", "h.txt", "k.txt", "stays.txt"]) edit("a", f, `${f}: base\n`, -60);
  const first = await sync("a");
  assert.equal(first.code, 0, first.stderr);
  for (const n of NAMES) assert.deepEqual(snapshot(root(n)), snapshot(root("a")), `${n} before the split`);
  await sleep(1500); // the base's actions ran; count from here
  const before = Object.fromEntries(NAMES.map((n) => [n, actionRuns(n).length])) as Record<Name, number>;
  const marks = Object.fromEntries(NAMES.map((n) => [n, daemons[n]!.mark()])) as Record<Name, number>;
  for (const n of NAMES) syncRuns[n] = 0;

  lab.cut("c");
  // The majority side {a, b}.
  edit("a", "f.txt", "f.txt: a's edit (older mtime)\n", 0);
  edit("a", "a-new.txt", "made on a during the split\n");
  edit("b", "k.txt", "k.txt: b's edit (younger mtime)\n", 20);
  const majority = await sync("a");
  assert.notEqual(majority.code, 0, "a cannot reach c during the split");
  assert.match(majority.stderr, /unreachable: g\/c/);
  assert.equal(readFileSync(join(root("b"), "f.txt"), "utf8"), "f.txt: a's edit (older mtime)\n", "b got a's edit during the split");
  await sync("b");
  // The minority side {c}.
  edit("c", "f.txt", "f.txt: c's edit (younger mtime)\n", 10);
  edit("c", "k.txt", "k.txt: c's edit (older mtime)\n", 5);
  edit("c", "c-new.txt", "made on c during the split\n");
  const minority = await sync("c");
  assert.notEqual(minority.code, 0, "c reaches nobody");
  await sleep(500);
  // Deletes on both sides, of files the other side left alone.
  const { rmSync } = await import("node:fs");
  rmSync(join(root("c"), "g.txt"));
  rmSync(join(root("a"), "h.txt"));
  await sync("c");
  await sync("a");

  lab.heal("c");
  let rounds = 0;
  for (; rounds < 4; rounds++) {
    for (const n of ["c", "a", "b"] as const) {
      const r = await sync(n);
      assert.ok(r.code === 0, `sync on ${n} after healing, round ${rounds + 1}: exit ${r.code}\n${r.stderr}`);
    }
    const snaps = NAMES.map((n) => JSON.stringify(snapshot(root(n))));
    if (snaps.every((s) => s === snaps[0])) break;
  }
  assert.ok(rounds < 4, "the trees converged within 4 rounds of syncs");
  for (const n of NAMES) {
    assert.deepEqual(snapshot(root(n)), snapshot(root("a")), `${n} equals a`);
    assert.equal(readFileSync(join(root(n), "f.txt"), "utf8"), "f.txt: c's edit (younger mtime)\n", `f.txt on ${n}: c's younger edit wins`);
    assert.equal(readFileSync(join(root(n), "k.txt"), "utf8"), "k.txt: b's edit (younger mtime)\n", `k.txt on ${n}: b's younger edit wins`);
    assert.ok(!existsSync(join(root(n), "g.txt")), `g.txt (deleted on c) stays deleted on ${n}`);
    assert.ok(!existsSync(join(root(n), "h.txt")), `h.txt (deleted on a) stays deleted on ${n}`);
    assert.ok(existsSync(join(root(n), "a-new.txt")) && existsSync(join(root(n), "c-new.txt")), `both sides' new files on ${n}`);
  }
  const allBackups = NAMES.flatMap(backups);
  assert.ok(allBackups.includes("f.txt: a's edit (older mtime)\n"), "a's losing f.txt is in a backup");
  assert.ok(allBackups.includes("k.txt: c's edit (older mtime)\n"), "c's losing k.txt is in a backup");

  // Actions: a run per batch a daemon applied, each applied path in exactly one run.
  await sleep(2500); // debounced runs
  for (const n of NAMES) {
    const runs = actionRuns(n).slice(before[n]);
    const applied = daemons[n]!.logsSince(marks[n]).filter((r) => /^(received|applied) %data%\//.test(String(r.msg)));
    const appliedPaths = applied.map((r) => String(r.path).replace(/^%data%\//, ""));
    // Batches applied on n: one per session a pusher opened to its daemon, plus one per own sync
    // run (the versions it took back run the receiver's actions there, src/sync/README.md).
    const batches = daemons[n]!.logsSince(marks[n]).filter((r) => String(r.msg).startsWith("session open")).length + syncRuns[n];
    for (const run of runs) assert.equal(new Set(run).size, run.length, `${n}: a path twice in one run: ${run.join(" ")}`);
    assert.ok(runs.length <= batches, `${n}: ${runs.length} action runs for at most ${batches} applied batches: ${JSON.stringify(runs)}`);
    const ranFor = runs.flat();
    for (const p of new Set(appliedPaths)) {
      const times = ranFor.filter((x) => x === p).length;
      const appliedTimes = appliedPaths.filter((x) => x === p).length;
      assert.ok(times >= 1 && times <= appliedTimes, `${n}: the action ran ${times} times for ${p}, applied ${appliedTimes} times`);
    }
  }

  await Promise.all(Object.values(daemons).map((d) => d.stop()));
  lab.destroy();
  assert.deepEqual(leftoverNamespaces(`psf-`).filter((ns) => ns.startsWith(lab!.bridgeNs.slice(0, -2))), [], "namespaces removed");
});
