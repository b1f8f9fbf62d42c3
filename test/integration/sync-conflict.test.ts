// Concurrent edits between real daemons: `auto younger` converges both nodes on the younger
// version and keeps the loser in the losing node's backup directory; `auto none` leaves both
// versions, exits 3 and keeps the entry pending until `peersync force` picks a side; a delete
// concurrent with an edit is decided by the policy (younger: the edit survives). Under
// `auto none`, status names each conflicted path and list-pending marks its row.

import assert from "node:assert/strict";
import { chmodSync, existsSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { indexMismatches } from "../helpers/index-truth.js";
import { makeCluster, snapshot, type Cluster, type ClusterNode } from "./sync-cluster.js";

let younger: Cluster;
let none: Cluster;
before(async () => {
  [younger, none] = await Promise.all([makeCluster(["alpha", "beta", "gamma"], { extra: ["auto younger;"] }), makeCluster(["alpha", "beta"], { extra: ["auto none;"] })]);
});
after(async () => {
  for (const c of [younger, none]) {
    await c?.stop();
    if (c) cleanup(c.dir);
  }
});

function write(root: string, name: string, text: string, mtimeS?: number): void {
  writeFileSync(join(root, name), text);
  if (mtimeS !== undefined) utimesSync(join(root, name), mtimeS, mtimeS);
}

/**
 * A conflict each way, settled by alpha's sync under auto younger: on "pusher-loses" alpha's
 * edit is the older, on "receiver-loses" beta's is. `put` writes a file by name (write()).
 */
async function loseEachWay(alpha: ClusterNode, beta: ClusterNode, put = write): Promise<{ code: number | null; stdout: string; stderr: string }> {
  for (const name of ["pusher-loses", "receiver-loses"]) put(alpha.root, name, "v1\n");
  assert.equal((await alpha.run(["sync"])).code, 0);
  put(alpha.root, "pusher-loses", "alpha's older\n", 1_700_000_000);
  put(beta.root, "pusher-loses", "beta's younger\n", 1_700_000_100);
  put(alpha.root, "receiver-loses", "alpha's younger\n", 1_700_000_100);
  put(beta.root, "receiver-loses", "beta's older\n", 1_700_000_000);
  const run = await alpha.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  return run;
}

test("auto younger: one run converges all three nodes on the younger edit, the loser is in the losing node's backup dir", async () => {
  const { alpha, beta, gamma } = younger.nodes;
  write(alpha!.root, "conf", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(alpha!.root, "conf", "alpha's edit (older)\n", 1_700_000_000);
  write(beta!.root, "conf", "beta's edit (younger)\n", 1_700_000_100);
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.equal(readFileSync(join(alpha!.root, "conf"), "utf8"), "beta's edit (younger)\n");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
  assert.deepEqual(snapshot(gamma!.root), snapshot(beta!.root), "the third node gets the winner in the same run");
  const backup = join(alpha!.state, "backup", alpha!.root, "conf");
  assert.equal(readFileSync(backup, "utf8"), "alpha's edit (older)\n");
  assert.equal(existsSync(join(beta!.state, "backup", beta!.root, "conf")), false, "the winner keeps no backup");
  // Reported where the loser was: the run's summary, and status long after the log line.
  assert.match(run.stdout, /, 1 conflict\(s\) settled \(0 won, 1 lost here: 1 backed up\), 0 left unresolved, /, run.stdout);
  assert.match(run.stderr, /lost a conflict \(younger\) to beta: %data%\/conf backed up to /, run.stderr);
  const status = await alpha!.run(["status", "--no-probe"]);
  const lostLine = status.stdout.split("\n").find((l) => l.startsWith("  lost here: ")) ?? status.stdout;
  assert.match(lostLine, /^  lost here: 1 version\(s\) since \d+ s ago, 1 still in the backup directory; last \d+ s ago: %data%\/conf, conflict \(younger\), to beta, kept as /);
  assert.ok(lostLine.endsWith(`kept as ${backup}`), lostLine);
  assert.doesNotMatch((await beta!.run(["status", "--no-probe"])).stdout, /lost here/, "the winner lost nothing");
});

test("auto younger: a receiving daemon whose version loses says so at warn level and in status; the pusher counts a conflict won", async () => {
  const { alpha, beta } = younger.nodes;
  write(alpha!.root, "site", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(beta!.root, "site", "beta's edit (older)\n", 1_700_000_000);
  write(alpha!.root, "site", "alpha's edit (younger)\n", 1_700_000_100);
  const run = await alpha!.run(["sync", "--json"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const summary = JSON.parse(run.stdout) as { conflictsWon: number; conflictsLost: number; conflicts: number };
  assert.deepEqual([summary.conflictsWon, summary.conflictsLost, summary.conflicts], [1, 0, 0], run.stdout);
  assert.equal(readFileSync(join(beta!.root, "site"), "utf8"), "alpha's edit (younger)\n");
  const backup = join(beta!.state, "backup", beta!.root, "site");
  assert.equal(readFileSync(backup, "utf8"), "beta's edit (older)\n");
  const logged = await beta!.daemon!.waitForLog((r) => typeof r.msg === "string" && r.msg.startsWith("lost a conflict"), 5_000);
  assert.equal(logged.msg, `lost a conflict (younger) to alpha: %data%/site backed up to ${backup}`);
  assert.equal(logged.level, "warn");
  const status = await beta!.run(["status", "--no-probe", "--json"]);
  const group = (JSON.parse(status.stdout) as { groups: { losses: { count: number; last: { path: string; reason: string; peer: string; backup: string } } }[] }).groups[0]!;
  assert.equal(group.losses.count, 1);
  assert.deepEqual([group.losses.last.path, group.losses.last.reason, group.losses.last.peer, group.losses.last.backup], ["%data%/site", "conflict (younger)", "alpha", backup]);
});

// A symlink that lost a conflict used to be replaced with no copy anywhere (backups were of
// regular files only), while the run's summary counted it "lost and backed up here".
test("auto younger: a symlink that loses a conflict is kept in the backup directory as a symlink, on the pusher and on the receiver", async () => {
  const { alpha, beta } = younger.nodes;
  const link = (node: ClusterNode, name: string, target: string, mtimeS: number): void => {
    rmSync(join(node.root, name), { force: true });
    symlinkSync(target, join(node.root, name));
    lutimesSync(join(node.root, name), mtimeS, mtimeS);
  };
  link(alpha!, "ln-pusher", "first", 1_700_000_000);
  link(alpha!, "ln-receiver", "first", 1_700_000_000);
  assert.equal((await alpha!.run(["sync"])).code, 0);
  link(alpha!, "ln-pusher", "alpha's older target", 1_700_000_100);
  link(beta!, "ln-pusher", "beta's younger target", 1_700_000_200);
  link(alpha!, "ln-receiver", "alpha's younger target", 1_700_000_200);
  link(beta!, "ln-receiver", "beta's older target", 1_700_000_100);
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.equal(readlinkSync(join(alpha!.root, "ln-pusher")), "beta's younger target", run.stderr + run.stdout);
  assert.equal(readlinkSync(join(beta!.root, "ln-receiver")), "alpha's younger target");
  assert.equal(lstatSync(join(alpha!.state, "backup", alpha!.root, "ln-pusher"), { throwIfNoEntry: false }) && readlinkSync(join(alpha!.state, "backup", alpha!.root, "ln-pusher")), "alpha's older target", run.stderr + run.stdout);
  assert.equal(readlinkSync(join(beta!.state, "backup", beta!.root, "ln-receiver")), "beta's older target");
  assert.match(run.stderr, /lost a conflict \(younger\) to beta: %data%\/ln-pusher backed up to /, run.stderr);
});

// Under backup-generations 0 a losing version went without a word: no backup, no status
// record, no log line, on the pusher and on the receiver alike. Then it was logged, but status
// still never named it: the losses table took only versions with a backup path.
test("backup-generations 0: a version that loses is named at warn level where it is replaced, on the pusher and on the receiver", async () => {
  const c = await makeCluster(["alpha", "beta"], { extra: ["auto younger;", "backup-generations 0;"] });
  try {
    const { alpha, beta } = c.nodes;
    const run = await loseEachWay(alpha!, beta!);
    assert.match(run.stderr, /lost a conflict \(younger\) to beta: %data%\/pusher-loses replaced, no copy kept \(backup-generations 0\)/, run.stderr);
    // The summary counted it "lost and backed up here".
    assert.match(run.stdout, /, 2 conflict\(s\) settled \(1 won, 1 lost here: 0 backed up, 1 not kept \(backup-generations 0\)\), /, run.stdout);
    const logged = await beta!.daemon!.waitForLog((r) => typeof r.msg === "string" && r.msg.includes("receiver-loses replaced"), 5_000);
    assert.equal(logged.msg, "lost a conflict (younger) to alpha: %data%/receiver-loses replaced, no copy kept (backup-generations 0)");
    assert.equal(logged.level, "warn");
    // status named neither loss: only versions with a backup path were recorded.
    for (const [node, path, peer] of [[alpha!, "pusher-loses", "beta"], [beta!, "receiver-loses", "alpha"]] as const) {
      const status = await node.run(["status", "--no-probe"]);
      const lostLine = status.stdout.split("\n").find((l) => l.startsWith("  lost here: ")) ?? status.stdout;
      assert.match(lostLine, new RegExp(`^  lost here: 1 version\\(s\\) since \\d+ s ago, 0 still in the backup directory, 1 not kept \\(backup-generations 0\\); last \\d+ s ago: %data%/${path}, conflict \\(younger\\), to ${peer}, not kept \\(backup-generations 0\\)$`));
      const json = await node.run(["status", "--no-probe", "--json"]);
      const losses = (JSON.parse(json.stdout) as { groups: { losses: { count: number; kept: number; notKept: number; last: { path: string; backup: string | null } } }[] }).groups[0]!.losses;
      assert.deepEqual([losses.count, losses.kept, losses.notKept, losses.last.path, losses.last.backup], [1, 0, 1, `%data%/${path}`, null], json.stdout);
    }
  } finally {
    await c.stop();
    cleanup(c.dir);
  }
});

// status said "lost here: 4 version(s) kept in the backup directory" where rotation had
// left 2: it counted every loss recorded, copies dropped by backup-generations included.
test("backup-generations 2: status counts four losses of one file, and the two copies rotation left", async () => {
  const c = await makeCluster(["alpha", "beta"], { extra: ["auto younger;", "backup-generations 2;"] });
  try {
    const { alpha, beta } = c.nodes;
    write(alpha!.root, "rotated", "v1\n");
    assert.equal((await alpha!.run(["sync"])).code, 0);
    for (let n = 1; n <= 4; n++) {
      write(alpha!.root, "rotated", `alpha's older ${n}\n`, 1_700_000_000 + 1000 * n);
      write(beta!.root, "rotated", `beta's younger ${n}\n`, 1_700_000_100 + 1000 * n);
      const run = await alpha!.run(["sync"]);
      assert.match(run.stdout, /1 lost here: 1 backed up/, run.stderr + run.stdout);
    }
    const backup = join(alpha!.state, "backup", alpha!.root, "rotated");
    assert.deepEqual([readFileSync(backup, "utf8"), readFileSync(`${backup}.1`, "utf8"), existsSync(`${backup}.2`)], ["alpha's older 4\n", "alpha's older 3\n", false]);
    const status = await alpha!.run(["status", "--no-probe"]);
    assert.match(status.stdout, /^ {2}lost here: 4 version\(s\) since \d+ s ago, 2 still in the backup directory; last /m, status.stdout);
    const json = await alpha!.run(["status", "--no-probe", "--json"]);
    const losses = (JSON.parse(json.stdout) as { groups: { losses: { count: number; kept: number; sinceMs: number } }[] }).groups[0]!.losses;
    assert.deepEqual([losses.count, losses.kept, typeof losses.sinceMs], [4, 2, "number"], json.stdout);
    rmSync(`${backup}.1`);
    assert.match((await alpha!.run(["status", "--no-probe"])).stdout, /lost here: 4 version\(s\) since \d+ s ago, 1 still in the backup directory; /, "a copy removed by hand is not counted");
  } finally {
    await c.stop();
    cleanup(c.dir);
  }
});

// A small file sent whole (a put batch) was itemized with the bare decision
// ("conflict-remote-wins"), while other entries named the rule that settled them.
test("auto younger: sync -v names the rule that settled a conflict for a file sent whole too", async () => {
  const { alpha, beta } = younger.nodes;
  write(alpha!.root, "labelled", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(alpha!.root, "labelled", "alpha's younger\n", 1_700_000_100);
  write(beta!.root, "labelled", "beta's older\n", 1_700_000_000);
  const run = await alpha!.run(["-v", "sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /^beta\t>f\t%data%\/labelled\tconflict-remote-wins \(younger\)$/m, run.stdout);
});

// The summary counted a losing deletion "lost and backed up here": there is nothing to back up.
test("auto younger: a delete concurrent with an edit loses to the edit; the summary counts it a deletion, not a backup", async () => {
  const { alpha, beta, gamma } = younger.nodes;
  write(alpha!.root, "shared", "first\n");
  write(alpha!.root, "shared-edit", "first\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  rmSync(join(alpha!.root, "shared"));
  write(beta!.root, "shared", "edited on beta\n");
  write(alpha!.root, "shared-edit", "alpha's older\n", 1_700_000_000);
  write(beta!.root, "shared-edit", "beta's younger\n", 1_700_000_100);
  const run = await alpha!.run(["sync", "--json"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const summary = JSON.parse(run.stdout) as { conflictsLost: number; conflictsLostKept: unknown };
  assert.equal(summary.conflictsLost, 2, run.stdout);
  assert.deepEqual(summary.conflictsLostKept, { backedUp: 1, deletions: 1, directories: 0, notKept: 0 }, run.stdout);
  assert.equal(readFileSync(join(alpha!.root, "shared"), "utf8"), "edited on beta\n");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
  assert.deepEqual(snapshot(gamma!.root), snapshot(beta!.root));
});

test("auto none: both versions stay, exit 3, the entry stays pending; force on one side makes it win", async () => {
  const { alpha, beta } = none.nodes;
  write(alpha!.root, "conf", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(alpha!.root, "conf", "alpha's\n");
  write(beta!.root, "conf", "beta's\n");
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 3, run.stderr + run.stdout);
  assert.match(run.stderr, /conflict: beta: %data%\/conf/);
  // Said once, on the summary's line: not also as a warn log line of the same run.
  assert.equal(run.stderr.split("\n").filter((l) => l.includes("%data%/conf")).length, 1, run.stderr);
  assert.equal(readFileSync(join(alpha!.root, "conf"), "utf8"), "alpha's\n");
  assert.equal(readFileSync(join(beta!.root, "conf"), "utf8"), "beta's\n");
  const listed = await alpha!.run(["list-pending"]);
  assert.match(listed.stdout, /alpha\tbeta\t%data%\/conf/);
  assert.equal((await alpha!.run(["sync"])).code, 3, "still a conflict on the next run");

  // The command the conflict line names works as printed.
  const named = /`peersync force (\S+)`/.exec(run.stderr)?.[1];
  assert.equal(named, "%data%/conf", run.stderr);
  const forced = await alpha!.run(["force", named]);
  assert.equal(forced.code, 0, forced.stderr);
  const again = await alpha!.run(["sync"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.equal(readFileSync(join(beta!.root, "conf"), "utf8"), "alpha's\n");
  assert.equal(readFileSync(join(beta!.state, "backup", beta!.root, "conf"), "utf8"), "beta's\n");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
});

// status used to show only counts, and list-pending printed a conflicted row as any other
// (`chary`): nothing named the paths an operator has to settle.
test("auto none: status names the conflicted path on both nodes, list-pending marks its row, -M keeps csync2's columns", async () => {
  const { alpha, beta } = none.nodes;
  write(alpha!.root, "site.conf", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(alpha!.root, "site.conf", "alpha's\n");
  write(beta!.root, "site.conf", "beta's\n");
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 3, run.stderr + run.stdout);

  const rowOf = (text: string): string | undefined => text.split("\n").find((l) => l.split("\t")[3] === "%data%/site.conf");
  const named = await alpha!.run(["list-pending"]);
  assert.equal(rowOf(named.stdout), "chary\talpha\tbeta\t%data%/site.conf\tconflict", named.stdout);
  const csync2 = await alpha!.run(["-M"]);
  assert.equal(rowOf(csync2.stdout), "chary\talpha\tbeta\t%data%/site.conf", csync2.stdout);
  const rows = JSON.parse((await alpha!.run(["list-pending", "--json"])).stdout) as { path: string; peer: string; conflict: boolean }[];
  assert.deepEqual(rows.filter((r) => r.path === "%data%/site.conf").map((r) => [r.peer, r.conflict]), [["beta", true]]);

  for (const [node, peer] of [[alpha!, "beta"], [beta!, "alpha"]] as const) {
    const status = await node.run(["status", "--no-probe"]);
    const lines = status.stdout.split("\n");
    assert.ok(lines.some((l) => new RegExp(`^  conflict with ${peer} since \\d+ s ago: %data%/site\\.conf$`).test(l)), status.stdout);
    assert.ok(lines.includes("  both versions stand (auto none): `peersync force PATH` on the node whose version should win settles one"), status.stdout);
    const group = (JSON.parse((await node.run(["status", "--no-probe", "--json"])).stdout) as { groups: { conflictPaths: { path: string; peer: string; detectedMs: number }[] }[] }).groups[0]!;
    const listed = group.conflictPaths.filter((c) => c.path === "%data%/site.conf");
    assert.deepEqual(listed.map((c) => [c.peer, typeof c.detectedMs]), [[peer, "number"]], JSON.stringify(group));
  }

  assert.equal((await alpha!.run(["force", "%data%/site.conf"])).code, 0);
  const settled = await alpha!.run(["sync"]);
  assert.equal(settled.code, 0, settled.stderr + settled.stdout);
  assert.doesNotMatch((await alpha!.run(["status", "--no-probe"])).stdout, /site\.conf/);
  assert.doesNotMatch((await alpha!.run(["list-pending"])).stdout, /site\.conf/);
});

// Under auto none a file replaced by a directory (with an entry in it) on one node and edited
// on the other was reported "both versions kept", yet the entry below went on and made the
// peer's file a directory (the file only in its backup directory). The entry waits now.
test("auto none: an entry below a path in conflict waits, so the peer's file stays in place; force settles both", async () => {
  const { alpha, beta } = none.nodes;
  write(alpha!.root, "became-dir", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  rmSync(join(alpha!.root, "became-dir"));
  mkdirSync(join(alpha!.root, "became-dir"));
  write(alpha!.root, "became-dir/in", "alpha's entry\n");
  write(beta!.root, "became-dir", "beta's edit\n");
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 3, run.stderr + run.stdout);
  assert.match(run.stderr, /conflict: beta: %data%\/became-dir: both versions kept \(auto none\)/, run.stderr);
  assert.match(run.stderr, /error: beta: %data%\/became-dir\/in: PARENT_CONFLICT: .*its parent %data%\/became-dir is a conflict left unresolved here/, run.stderr);
  assert.equal(readFileSync(join(beta!.root, "became-dir"), "utf8"), "beta's edit\n", "beta's version is in place, as the conflict line says");
  assert.equal(existsSync(join(beta!.state, "backup", beta!.root, "became-dir")), false, "nothing was replaced on beta");
  assert.equal((await alpha!.run(["sync"])).code, 3, "the entry still waits at the next run");
  assert.equal((await alpha!.run(["force", "%data%/became-dir"])).code, 0);
  const settled = await alpha!.run(["sync"]);
  assert.equal(settled.code, 0, settled.stderr + settled.stdout);
  assert.equal(readFileSync(join(beta!.root, "became-dir/in"), "utf8"), "alpha's entry\n", "the entry follows once the conflict is settled");
  assert.equal(readFileSync(join(beta!.state, "backup", beta!.root, "became-dir"), "utf8"), "beta's edit\n");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
});

// In a cluster of three, a node that took a third node's version refuses the pusher's concurrent
// one and records the conflict, yet owes the pusher nothing (no pending row): status named it
// and said "`peersync list-pending` lists all", but list-pending did not list it (exit 2).
test("auto none, three nodes: list-pending lists a conflict with no pending row, marked conflict; -M keeps csync2's dirty rows", async () => {
  const c = await makeCluster(["alpha", "beta", "gamma"], { extra: ["auto none;"] });
  try {
    const { alpha, beta, gamma } = c.nodes;
    write(alpha!.root, "third", "v1\n");
    assert.equal((await alpha!.run(["sync"])).code, 0);
    write(alpha!.root, "third", "alpha's edit\n");
    write(gamma!.root, "third", "gamma's edit\n");
    assert.equal((await gamma!.run(["sync"])).code, 3, "alpha keeps its edit against gamma's");
    assert.equal(readFileSync(join(beta!.root, "third"), "utf8"), "gamma's edit\n");
    const run = await alpha!.run(["sync"]);
    assert.equal(run.code, 3, run.stderr + run.stdout);
    assert.match(run.stderr, /conflict: beta: %data%\/third/, run.stderr);

    const status = await beta!.run(["status", "--no-probe"]);
    assert.match(status.stdout, /^ {2}conflict with alpha since \d+ s ago: %data%\/third$/m, status.stdout);
    const listed = await beta!.run(["list-pending"]);
    assert.equal(listed.code, 0, listed.stderr + listed.stdout);
    assert.deepEqual(listed.stdout.split("\n").filter((l) => l !== ""), ["chary\tbeta\talpha\t%data%/third\tconflict"]);
    const json = JSON.parse((await beta!.run(["list-pending", "--json"])).stdout) as { path: string; peer: string; conflict: boolean; pending: boolean }[];
    assert.deepEqual(json.map((r) => [r.path, r.peer, r.conflict, r.pending]), [["%data%/third", "alpha", true, false]]);
    assert.equal((await beta!.run(["-M"])).code, 2, "csync2's dirty table: nothing is pending on beta");
  } finally {
    await c.stop();
    cleanup(c.dir);
  }
});

// The real run refuses an entry below a path the peer answers `conflict` for (the conflict is
// recorded first, then PARENT_CONFLICT), but a dry run records nothing, so `sync -d` said the
// peer would take the entry (a `take-remote` line) while the real run refused it.
test("auto none: sync -d refuses the entry below a path in conflict, as the real run does", async () => {
  const { alpha, beta } = none.nodes;
  write(alpha!.root, "dry-dir", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  rmSync(join(alpha!.root, "dry-dir"));
  mkdirSync(join(alpha!.root, "dry-dir"));
  write(alpha!.root, "dry-dir/in", "alpha's entry\n");
  write(beta!.root, "dry-dir", "beta's edit\n");
  const dry = await alpha!.run(["-d", "sync"]);
  assert.equal(dry.code, 0, dry.stderr + dry.stdout);
  assert.match(dry.stderr, /beta: %data%\/dry-dir\/in: PARENT_CONFLICT: /, "the dry run says why, as the real run does");
  const real = await alpha!.run(["-v", "sync"]);
  assert.equal(real.code, 3, real.stderr + real.stdout);
  assert.match(real.stderr, /%data%\/dry-dir\/in: PARENT_CONFLICT: /, real.stderr);
  const lines = (out: string) => out.split("\n").filter((l) => l.startsWith("beta\t"));
  assert.deepEqual(lines(dry.stdout), ["beta\t!d\t%data%/dry-dir", "beta\t?f\t%data%/dry-dir/in"], dry.stdout);
  assert.deepEqual(lines(dry.stdout), lines(real.stdout), real.stdout);
  assert.equal(readFileSync(join(beta!.root, "dry-dir"), "utf8"), "beta's edit\n");
  assert.equal((await alpha!.run(["force", "%data%/dry-dir"])).code, 0);
  assert.equal((await alpha!.run(["sync"])).code, 0, "settled, so later tests start clean");
});

// A peer answering a dry run used to decide on its index alone: an edit made there and not
// checked yet was invisible, so `sync -d` said the peer would take (or delete) over it, while
// the real run found the conflict. The dry run must also record nothing on the peer.
test("auto none: sync -d shows the conflict with a peer's edit it has not checked yet, and records nothing there", async () => {
  const { alpha, beta } = none.nodes;
  write(alpha!.root, "dry-edit", "v1\n");
  write(alpha!.root, "dry-del", "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(alpha!.root, "dry-edit", "alpha's\n");
  rmSync(join(alpha!.root, "dry-del"));
  write(beta!.root, "dry-edit", "beta's\n");
  write(beta!.root, "dry-del", "beta's\n");
  const dry = await alpha!.run(["-d", "sync"]);
  assert.equal(dry.code, 0, dry.stderr + dry.stdout);
  const lines = dry.stdout.split("\n").filter((l) => l.startsWith("beta\t"));
  assert.deepEqual(lines.sort(), ["beta\t!f\t%data%/dry-edit", "beta\t!x\t%data%/dry-del"], dry.stdout);
  assert.equal((await beta!.run(["list-pending"])).code, 2, "the dry run recorded nothing on the peer");
  const real = await alpha!.run(["sync"]);
  assert.equal(real.code, 3, real.stderr + real.stdout);
  assert.match(real.stderr, /conflict: beta: %data%\/dry-edit/);
  assert.match(real.stderr, /conflict: beta: %data%\/dry-del/);
  for (const p of ["dry-edit", "dry-del"]) assert.equal((await beta!.run(["force", `%data%/${p}`])).code, 0);
  assert.equal((await beta!.run(["sync"])).code, 0, "settled, so later tests start clean");
});

// csync2 -f -r forces every dirty row below the path; `force -r DIR` used to force DIR's own
// entry only, print "forced: DIR" and leave every conflict below it in place (exit 3 again).
test("auto none: force -r on a directory settles the conflicts below it, a deletion among them", async () => {
  const { alpha, beta } = none.nodes;
  mkdirSync(join(alpha!.root, "tree/sub"), { recursive: true });
  for (const f of ["tree/x", "tree/sub/y", "tree/gone"]) write(alpha!.root, f, "v1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  write(alpha!.root, "tree/x", "alpha's x\n");
  write(alpha!.root, "tree/sub/y", "alpha's y\n");
  write(alpha!.root, "tree/gone", "alpha's gone\n");
  write(beta!.root, "tree/x", "beta's x\n");
  write(beta!.root, "tree/sub/y", "beta's y\n");
  rmSync(join(beta!.root, "tree/gone"));
  assert.equal((await alpha!.run(["sync"])).code, 3);
  const forced = await beta!.run(["-f", "-r", join(beta!.root, "tree")]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(forced.stdout.trim().split("\n").sort(), ["%data%/tree", "%data%/tree/gone", "%data%/tree/sub", "%data%/tree/sub/y", "%data%/tree/x"].map((p) => `forced: ${p}`));
  const settled = await beta!.run(["sync"]);
  assert.equal(settled.code, 0, settled.stderr + settled.stdout);
  assert.equal(readFileSync(join(alpha!.root, "tree/x"), "utf8"), "beta's x\n");
  assert.equal(readFileSync(join(alpha!.root, "tree/sub/y"), "utf8"), "beta's y\n");
  assert.equal(existsSync(join(alpha!.root, "tree/gone")), false, "the forced deletion wins too");
  assert.deepEqual(snapshot(alpha!.root), snapshot(beta!.root));
  assert.equal((await alpha!.run(["sync"])).code, 0, "no conflict left");
});

/** Every regular file's content under `dir` (a tree or a backup directory). */
function contents(dir: string, into = new Set<string>()): Set<string> {
  if (!existsSync(dir)) return into;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const st = lstatSync(full);
    if (st.isDirectory()) contents(full, into);
    else if (st.isFile()) into.add(readFileSync(full, "utf8"));
  }
  return into;
}

// Both peers answer "theirs" for the same paths in one run, so the pusher takes two versions
// back at once. They used to be written concurrently: the disk ended with one peer's version
// while the index recorded the other's (with that version's vector), so the pusher's next
// edit claimed to have seen a version it never held and replaced it on its peer without a
// backup. Many paths make the interleaving that lost data near certain on the old code.
test("auto younger: both peers beat the pusher at once: its index matches its disk, and no version is lost after its next edit", async () => {
  const { alpha, beta, gamma } = younger.nodes;
  const names = Array.from({ length: 40 }, (_, i) => `f${String(i).padStart(2, "0")}`);
  for (const n of names) write(alpha!.root, n, "v1\n", 1_690_000_000);
  assert.equal((await alpha!.run(["sync"])).code, 0);
  for (const n of names) {
    write(alpha!.root, n, `alpha's ${n}\n`, 1_700_000_000);
    write(beta!.root, n, `beta's ${n}\n`, 1_700_000_100);
    write(gamma!.root, n, `gamma's ${n}\n`, 1_700_000_200);
  }
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const toLocal = (p: string): string => join(alpha!.root, p.slice("%data%".length));
  assert.deepEqual(indexMismatches(alpha!.state, toLocal), [], "alpha's index records what its disk holds");

  // The user edits every file on alpha: whatever alpha's disk held is superseded, nothing else.
  const superseded = new Set(names.map((n) => readFileSync(join(alpha!.root, n), "utf8")));
  for (const n of names) write(alpha!.root, n, `alpha's second ${n}\n`, 1_700_000_300);
  for (const node of [alpha!, beta!, gamma!, alpha!]) {
    const r = await node.run(["sync"]);
    assert.equal(r.code, 0, `${node.name}: ${r.stderr}${r.stdout}`);
  }
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root));
  assert.deepEqual(snapshot(gamma!.root), snapshot(alpha!.root));
  const kept = contents(alpha!.root);
  for (const node of [alpha!, beta!, gamma!]) contents(join(node.state, "backup"), kept);
  const lost = names.flatMap((n) => [`alpha's ${n}\n`, `beta's ${n}\n`, `gamma's ${n}\n`]).filter((v) => !superseded.has(v) && !kept.has(v));
  assert.deepEqual(lost, [], "every version that lost a conflict is in a tree or a backup");
});

// A directory removed on one node while another made a file in it: the directory survives with
// the new file (it holds an entry its deleter never saw), the files the deleter knew stay
// deleted, on every node, whichever side pushes first.
test("a directory deleted on one node while another adds a file to it comes back with that file only, whoever syncs first", async () => {
  const { alpha, beta, gamma } = younger.nodes;
  for (const d of ["dirA", "dirB"]) {
    mkdirSync(join(alpha!.root, d));
    write(alpha!.root, `${d}/old`, "known to all\n");
  }
  assert.equal((await alpha!.run(["sync"])).code, 0);
  // dirA: the deleter pushes first; dirB: the new file arrives where the deletion is recorded.
  const syncs = async (...nodes: ClusterNode[]): Promise<void> => {
    for (const node of nodes) {
      const r = await node.run(["sync"]);
      assert.equal(r.code, 0, `${node.name}: ${r.stderr}${r.stdout}`);
    }
  };
  rmSync(join(alpha!.root, "dirA"), { recursive: true });
  write(beta!.root, "dirA/new", "made on beta in dirA\n");
  await syncs(alpha!, beta!, gamma!);
  rmSync(join(alpha!.root, "dirB"), { recursive: true });
  write(beta!.root, "dirB/new", "made on beta in dirB\n");
  assert.equal((await alpha!.run(["check"])).code, 0);
  await syncs(beta!, alpha!, gamma!);
  for (const node of [alpha!, beta!, gamma!]) {
    for (const d of ["dirA", "dirB"]) {
      assert.equal(readFileSync(join(node.root, d, "new"), "utf8"), `made on beta in ${d}\n`, `${node.name}: ${d}/new`);
      assert.equal(existsSync(join(node.root, d, "old")), false, `${node.name}: ${d}/old stays deleted`);
    }
  }
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root));
  assert.deepEqual(snapshot(gamma!.root), snapshot(alpha!.root));
});

// A symlink or file put where a directory was, while another node adds an entry to that
// directory (a type conflict): the directory that still holds entries wins on every node, the
// entries its replacer knew stay deleted, and a file that lost is kept in a backup.
test("a new small file (sent without an offer) where a peer made a directory it never checked: the directory and its entry stay, the file is backed up", async () => {
  const { alpha, beta, gamma } = younger.nodes;
  mkdirSync(join(beta!.root, "ncDir"));
  write(beta!.root, "ncDir/inside", "made on beta, never checked\n");
  write(alpha!.root, "ncDir", "alpha's new file at the same path\n");
  for (const node of [alpha!, beta!, gamma!, alpha!]) {
    const r = await node.run(["sync"]);
    assert.equal(r.code, 0, `${node.name}: ${r.stderr}${r.stdout}`);
  }
  for (const node of [alpha!, beta!, gamma!]) {
    assert.equal(readFileSync(join(node.root, "ncDir", "inside"), "utf8"), "made on beta, never checked\n", node.name);
  }
  const kept = new Set<string>();
  for (const node of [alpha!, beta!, gamma!]) contents(join(node.state, "backup"), kept);
  assert.ok(kept.has("alpha's new file at the same path\n"), "the file that lost is in a backup");
});

test("a symlink or file replacing a directory that gained an entry elsewhere: the directory stays, the file is backed up", async () => {
  const { alpha, beta, gamma } = younger.nodes;
  for (const d of ["tcLink", "tcFile"]) {
    mkdirSync(join(alpha!.root, d));
    write(alpha!.root, `${d}/old`, "known to all\n");
  }
  assert.equal((await alpha!.run(["sync"])).code, 0);
  for (const d of ["tcLink", "tcFile"]) {
    rmSync(join(alpha!.root, d), { recursive: true });
    write(beta!.root, `${d}/new`, `made on beta in ${d}\n`);
  }
  symlinkSync("elsewhere", join(alpha!.root, "tcLink"));
  write(alpha!.root, "tcFile", "alpha's file in place of the directory\n");
  for (const node of [alpha!, beta!, gamma!, alpha!]) {
    const r = await node.run(["sync"]);
    assert.equal(r.code, 0, `${node.name}: ${r.stderr}${r.stdout}`);
  }
  for (const node of [alpha!, beta!, gamma!]) {
    for (const d of ["tcLink", "tcFile"]) {
      assert.equal(readFileSync(join(node.root, d, "new"), "utf8"), `made on beta in ${d}\n`, `${node.name}: ${d}/new`);
      assert.equal(existsSync(join(node.root, d, "old")), false, `${node.name}: ${d}/old stays deleted`);
    }
  }
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root));
  assert.deepEqual(snapshot(gamma!.root), snapshot(alpha!.root));
  const kept = new Set<string>();
  for (const node of [alpha!, beta!, gamma!]) contents(join(node.state, "backup"), kept);
  assert.ok(kept.has("alpha's file in place of the directory\n"), "the file that lost is in a backup");
});

// The pusher keeps its directory (it holds entries) against a peer's file that won the
// conflict there; the directory's new version covers the file's. Deleted on the pusher before
// the peer ever saw the directory, that deletion replaced the file on the peer as merely
// older: no copy anywhere (found by the convergence policy search, seed 7320 under auto right).
/**
 * alpha's directory `dir` with one entry, synced; then beta's file `dir` in its place (younger
 * than the directory, never checked on beta), and alpha's new mode for the directory, so that
 * alpha's next run offers it and beta's file wins there.
 */
async function betasFileOverAlphasDirectory(dir: string, betasFile: string): Promise<void> {
  const { alpha, beta } = younger.nodes;
  write(alpha!.root, `${dir}-stays`, "the root is never empty (alone, a test would empty it)\n");
  mkdirSync(join(alpha!.root, dir));
  write(alpha!.root, `${dir}/old`, "known to all\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  rmSync(join(beta!.root, dir), { recursive: true });
  write(beta!.root, dir, betasFile);
  chmodSync(join(alpha!.root, dir), 0o750);
}

test("a peer's file that loses to the pusher's directory is kept, even when the directory is deleted before the peer sees it", async () => {
  const { alpha, beta } = younger.nodes;
  await betasFileOverAlphasDirectory("kdDir", "beta's file, never checked there, younger than the directory\n");
  const kept = await alpha!.run(["sync"]);
  assert.equal(kept.code, 0, kept.stderr + kept.stdout);
  assert.match(kept.stderr, /file lost to a directory with entries from beta: %data%\/kdDir backed up to /);
  assert.equal(statSync(join(alpha!.root, "kdDir")).isDirectory(), true, "the directory with entries stays on alpha");
  rmSync(join(alpha!.root, "kdDir"), { recursive: true });
  for (const node of [alpha!, beta!, alpha!]) {
    const r = await node.run(["sync"]);
    assert.equal(r.code, 0, `${node.name}: ${r.stderr}${r.stdout}`);
  }
  const copies = new Set<string>();
  for (const node of Object.values(younger.nodes)) contents(join(node.state, "backup"), copies);
  assert.ok(copies.has("beta's file, never checked there, younger than the directory\n"), "beta's file is in a backup");
});

// The same, where the run also offers a new entry below the path: the peer's answer for that
// entry brings its directory back over the file (backing the file up there), so the file is
// gone from the peer when the pusher comes to fetch it. That is no failure: the run exited 1
// ("the peer's version changed since it answered") and the next run had nothing left to do.
test("a peer's file that loses to the pusher's directory and a new entry below it: one clean run, the file backed up on the peer", async () => {
  const { alpha, beta } = younger.nodes;
  await betasFileOverAlphasDirectory("kdDir2", "beta's file, younger than the directory\n");
  // Above the size sent without an offer (core/plan.ts DIRECT_FILE_BYTES): it is offered.
  writeFileSync(join(alpha!.root, "kdDir2/new"), Buffer.alloc(20_000, 0x61));
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  for (const node of [alpha!, beta!]) assert.equal(readFileSync(join(node.root, "kdDir2/new")).length, 20_000, node.name);
  const copies = new Set<string>();
  contents(join(beta!.state, "backup"), copies);
  assert.ok(copies.has("beta's file, younger than the directory\n"), "beta's file is in beta's backup");
});

// A name that is not UTF-8 ("caf" and the byte 0xE9): the backups took plain strings only, so
// such a loser was replaced with no copy anywhere, and the run called it "not kept
// (backup-generations 0)" under the default of 3.
test("auto younger: a file whose name is not UTF-8 that loses is backed up under its own bytes, on the pusher and on the receiver", async () => {
  const { alpha, beta } = younger.nodes;
  const raw = (dir: string, name: string): Buffer => Buffer.concat([Buffer.from(`${dir}/${name}-caf`), Buffer.of(0xe9)]);
  const run = await loseEachWay(alpha!, beta!, (root, name, text, mtimeS) => {
    writeFileSync(raw(root, name), text);
    if (mtimeS !== undefined) utimesSync(raw(root, name), mtimeS, mtimeS);
  });
  assert.match(run.stdout, /, 2 conflict\(s\) settled \(1 won, 1 lost here: 1 backed up\), /, run.stdout);
  for (const node of [alpha!, beta!]) {
    assert.equal(readFileSync(raw(node.root, "pusher-loses"), "utf8"), "beta's younger\n", node.name);
    assert.equal(readFileSync(raw(node.root, "receiver-loses"), "utf8"), "alpha's younger\n", node.name);
  }
  assert.equal(readFileSync(raw(join(alpha!.state, "backup", alpha!.root), "pusher-loses"), "utf8"), "alpha's older\n");
  assert.equal(readFileSync(raw(join(beta!.state, "backup", beta!.root), "receiver-loses"), "utf8"), "beta's older\n");
  const status = await alpha!.run(["status", "--no-probe", "--json"]);
  const losses = (JSON.parse(status.stdout) as { groups: { losses: { count: number; kept: number; last: { backup: string } } }[] }).groups[0]!.losses;
  assert.equal(losses.last.backup, `${join(alpha!.state, "backup", alpha!.root)}/pusher-loses-caf\uFFFDE9`, "named escaped, as the index names it");
  assert.equal(losses.kept, losses.count, "status finds the copy under its bytes");
});

// A receiver re-creates the missing parents of an entry. Where one of them is a symlink (the
// directory moved aside, a link to it in its place, not checked yet), the ancestors below it
// were looked at through the link and taken for directories in place: only the link was
// replaced, and the entry was refused ("parent directory ... does not exist"), exit 1 until
// the next run (the convergence policy search, seed 8326 under auto smaller).
test("an entry below a directory the receiver replaced with a symlink to it: every parent is made, the link backed up, one clean run", async () => {
  const { alpha, beta } = younger.nodes;
  mkdirSync(join(beta!.root, "spDir/sub"), { recursive: true });
  write(beta!.root, "spDir/sub/c", "c\n");
  assert.equal((await beta!.run(["sync"])).code, 0);
  renameSync(join(alpha!.root, "spDir"), join(alpha!.root, "spMoved"));
  symlinkSync("spMoved", join(alpha!.root, "spDir"));
  mkdirSync(join(beta!.root, "spDir/sub/new"));
  const run = await beta!.run(["sync"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.equal(lstatSync(join(alpha!.root, "spDir/sub/new")).isDirectory(), true);
  assert.equal(lstatSync(join(alpha!.root, "spDir")).isDirectory(), true, "the link was replaced by a directory");
  assert.deepEqual(readdirSync(join(alpha!.root, "spMoved/sub")), ["c"], "nothing was made through the link");
  assert.ok(readdirSync(join(alpha!.state, "backup"), { recursive: true }).some((p) => String(p).endsWith("/spDir")), "the link is in alpha's backup");
});
