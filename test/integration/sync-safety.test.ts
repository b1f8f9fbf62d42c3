// What keeps a cluster safe when things go wrong, on real daemons: a peer that is down costs
// only its own entries (exit 4, caught up next run), a second run exits at once (exit 6), a
// receive-only host's local edit is drift (backed up, then replaced by the group's version),
// too many deletions halt the group (exit 5), and a daemon refuses what its config excludes.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { entryFromWire } from "../../src/core/entry.js";
import { cleanup, tempDir } from "../helpers/daemon.js";
import { makeCluster, snapshot, speakAs, type Cluster } from "./sync-cluster.js";

const clusters: Cluster[] = [];
after(async () => {
  for (const c of clusters) {
    await c.stop();
    cleanup(c.dir);
  }
});
async function cluster(...args: Parameters<typeof makeCluster>): Promise<Cluster> {
  const c = await makeCluster(...args);
  clusters.push(c);
  return c;
}

test("a peer that is down: exit 4 naming it, the others synced, caught up after it returns", async () => {
  const c = await cluster(["alpha", "beta", "gamma"]);
  const { alpha, beta, gamma } = c.nodes;
  await gamma!.stop();
  writeFileSync(join(alpha!.root, "f"), "for everyone\n");
  const started = Date.now();
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 4, run.stderr + run.stdout);
  assert.match(run.stderr, /unreachable: g\/gamma/);
  assert.ok(Date.now() - started < 8000, "a down peer does not hold the run");
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root));
  assert.deepEqual(readdirSync(gamma!.root), []);
  await gamma!.start();
  const again = await alpha!.run(["sync"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.deepEqual(snapshot(gamma!.root), snapshot(alpha!.root));
});

test("a second run while one holds the lock exits 6 at once; a dead holder's lock is taken over", async () => {
  const c = await cluster(["alpha", "beta"], { start: false });
  const alpha = c.nodes.alpha!;
  mkdirSync(alpha.state, { recursive: true });
  writeFileSync(join(alpha.state, "sync.lock"), `${process.pid}\n`);
  const started = Date.now();
  const run = await alpha.run(["sync"]);
  assert.equal(run.code, 6, run.stderr);
  assert.match(run.stderr, new RegExp(`another run \\(pid ${process.pid}\\) holds`));
  assert.ok(Date.now() - started < 5000);
  writeFileSync(join(alpha.state, "sync.lock"), "999999999\n");
  const stale = await alpha.run(["update"]);
  assert.equal(stale.code, 0, stale.stderr);
  assert.equal(existsSync(join(alpha.state, "sync.lock")), false, "the lock is released");
});

test("a receive-only host: its sync pushes nothing, its local edit is drift, backed up and replaced", async () => {
  const c = await cluster(["alpha", "beta"], { receiveOnly: ["beta"] });
  const { alpha, beta } = c.nodes;
  writeFileSync(join(alpha!.root, "site.conf"), "group version 1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  writeFileSync(join(beta!.root, "site.conf"), "edited on the receive-only host\n");
  writeFileSync(join(beta!.root, "new-on-beta"), "never leaves beta\n");
  const own = await beta!.run(["sync"]);
  assert.equal(own.code, 0, own.stderr);
  assert.match(own.stderr, /drift: 2 local change.*nothing is sent from here: each is backed up and replaced when the group's version of its path next arrives; to restore a path now, run `peersync mark PATH`/);
  assert.equal(existsSync(join(alpha!.root, "new-on-beta")), false);
  assert.equal(readFileSync(join(alpha!.root, "site.conf"), "utf8"), "group version 1\n");
  // Nothing goes from beta, so nothing of it can be forced or marked: said as such (the path
  // as sync prints it).
  for (const cmd of ["force", "mark"]) {
    const r = await beta!.run([cmd, "%data%/site.conf"]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stderr, new RegExp(`Cannot ${cmd} "%data%/site.conf": this node is receive-only in group "g"`));
  }
  writeFileSync(join(alpha!.root, "site.conf"), "group version 2\n");
  const push = await alpha!.run(["sync"]);
  assert.equal(push.code, 0, push.stderr + push.stdout);
  assert.equal(readFileSync(join(beta!.root, "site.conf"), "utf8"), "group version 2\n");
  assert.equal(readFileSync(join(beta!.state, "backup", beta!.root, "site.conf"), "utf8"), "edited on the receive-only host\n");
  await beta!.daemon!.waitForLog(/drift: local change/);
  await speakAs(c, "beta", async (session) => {
    await assert.rejects(session.request({ type: "offer", dryRun: false, entries: [] }), /receive-only/);
  });
  // A file deleted on the receive-only host stays deleted there until the group changes it;
  // the drift line's advice brings it back at once.
  rmSync(join(beta!.root, "site.conf"));
  assert.match((await beta!.run(["sync"])).stderr, /drift: 1 local change/);
  assert.equal((await alpha!.run(["sync"])).code, 0);
  assert.equal(existsSync(join(beta!.root, "site.conf")), false, "nothing changed on alpha: nothing is sent");
  assert.equal((await alpha!.run(["mark", "%data%/site.conf"])).code, 0);
  assert.equal((await alpha!.run(["sync"])).code, 0);
  assert.equal(readFileSync(join(beta!.root, "site.conf"), "utf8"), "group version 2\n");
});

test("more deletions than max-delete halt the group with exit 5 and delete nothing", async () => {
  const c = await cluster(["alpha", "beta"], { extra: ["max-delete 2;"] });
  const { alpha, beta } = c.nodes;
  for (let i = 0; i < 5; i++) writeFileSync(join(alpha!.root, `f${i}`), `${i}\n`);
  assert.equal((await alpha!.run(["sync"])).code, 0);
  for (let i = 0; i < 4; i++) rmSync(join(alpha!.root, `f${i}`));
  const dry = await alpha!.run(["-d", "sync"]);
  assert.equal(dry.code, 5, dry.stderr + dry.stdout);
  assert.match(dry.stdout, /^dry run: 0 peer\(s\), 0 entries offered; 1 group\(s\) halted by a safety stop \(above\): a real run would send them nothing;/m, dry.stdout);
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 5, run.stderr + run.stdout);
  assert.match(run.stderr, /safety stop: .*max-delete \(2\)/);
  assert.equal(run.stderr.split("\n").filter((l) => l.includes("more than max-delete")).length, 1, `said once, on the safety stop line: ${run.stderr}`);
  assert.equal(readdirSync(beta!.root).length, 5);
  const pending = await alpha!.run(["list-pending"]);
  assert.equal(pending.stdout.trim().split("\n").length, 4, "the deletions stay pending");
  // status says why nothing moves, not only "pending 4".
  const status = await alpha!.run(["status", "--no-probe"]);
  assert.match(status.stdout, /^ {2}peer beta .*, last error \d+ s ago: safety stop: Cannot sync group "g" to any of its peers: Cannot delete 4 of \d+ entries on peer "beta": more than max-delete \(2\); if this is intended, raise the group's max-delete to 4 for one run \(reload a running daemon\), then set it back/m, status.stdout);
});

test("a renamed directory is not a mass deletion: its entries are moves, and max-delete counts only what is lost", async () => {
  // `mv images img` of most of a group: as many deletions as the directory held, and as many
  // writes of the same contents. Counted as deletions, the default rule halted the whole group
  // (exploratory run, continuous mode: nothing of the group went out, retried for ever).
  const c = await cluster(["alpha", "beta"], { extra: ["max-delete 2;"] });
  const { alpha, beta } = c.nodes;
  writeFileSync(join(alpha!.root, "keep"), "keep\n");
  mkdirSync(join(alpha!.root, "images/sub"), { recursive: true });
  for (let i = 0; i < 6; i++) writeFileSync(join(alpha!.root, "images/sub", `p${i}`), `picture ${i}\n`);
  assert.equal((await alpha!.run(["sync"])).code, 0);
  renameSync(join(alpha!.root, "images"), join(alpha!.root, "img"));
  const moved = await alpha!.run(["sync"]);
  assert.equal(moved.code, 0, moved.stderr + moved.stdout);
  assert.deepEqual(snapshot(beta!.root), snapshot(alpha!.root));
  // What is really lost still counts: 3 deletions, 1 of them matched by a copy written.
  writeFileSync(join(alpha!.root, "copy"), "picture 0\n");
  for (const i of [0, 1, 2]) rmSync(join(alpha!.root, "img/sub", `p${i}`));
  const lost = await alpha!.run(["sync"]);
  assert.equal(lost.code, 0, "2 lost: within max-delete 2");
  for (const i of [3, 4, 5]) rmSync(join(alpha!.root, "img/sub", `p${i}`));
  const more = await alpha!.run(["sync"]);
  assert.equal(more.code, 5, more.stderr + more.stdout);
  assert.match(more.stderr, /Cannot delete 3 of \d+ entries on peer "beta": more than max-delete \(2\)/);
});

test("a rename in the same run does not raise the default max-delete limit: a directory of 300 moved and 111 of 413 lost halt the group", async () => {
  const c = await cluster(["alpha", "beta"]);
  const { alpha, beta } = c.nodes;
  mkdirSync(join(alpha!.root, "images"));
  mkdirSync(join(alpha!.root, "cache"));
  for (let i = 0; i < 300; i++) writeFileSync(join(alpha!.root, "images", `p${i}`), `picture ${i}\n`);
  for (let i = 0; i < 110; i++) writeFileSync(join(alpha!.root, "cache", `c${i}`), `cached ${i}\n`);
  assert.equal((await alpha!.run(["sync"])).code, 0);
  renameSync(join(alpha!.root, "images"), join(alpha!.root, "img"));
  rmSync(join(alpha!.root, "cache"), { recursive: true });
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 5, run.stderr + run.stdout);
  assert.match(run.stderr, /safety stop: .*Cannot delete 111 of 413 entries on peer "beta": more than 25% of the group and more than 100; if this is intended, set `max-delete 111;` in the group for one run/);
  assert.equal(readdirSync(join(beta!.root, "cache")).length, 110, "nothing deleted on the peer");
});

test("a deleted directory that still holds an excluded file on the peer: kept there, named, and deleted once it is moved away", async () => {
  const c = await cluster(["alpha", "beta"], { extra: ["exclude *~;"] });
  const { alpha, beta } = c.nodes;
  mkdirSync(join(alpha!.root, "d"));
  writeFileSync(join(alpha!.root, "d", "f"), "f\n");
  writeFileSync(join(alpha!.root, "keep"), "k\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  writeFileSync(join(beta!.root, "d", "f~"), "beta's editor backup\n");
  rmSync(join(alpha!.root, "d"), { recursive: true });
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 1, run.stderr + run.stdout);
  assert.match(run.stderr, /^error: beta: %data%\/d: DIR_NOT_EMPTY: .*Cannot delete the directory "\S+\/d": it still holds f~, which the group does not sync from here \(excluded, or not checked yet\); move or remove those on this node/m);
  assert.equal(readFileSync(join(beta!.root, "d", "f~"), "utf8"), "beta's editor backup\n", "never deleted with it");
  rmSync(join(beta!.root, "d", "f~"));
  const again = await alpha!.run(["sync"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.equal(existsSync(join(beta!.root, "d")), false);
});

test("a daemon refuses paths its config excludes, and a ../ path ends the session, writing nothing", async () => {
  const c = await cluster(["alpha", "beta"], { extra: ["exclude %data%/secret;", "exclude .git;"] });
  const { alpha, beta } = c.nodes;
  writeFileSync(join(alpha!.root, "ok"), "fine\n");
  mkdirSync(join(beta!.root, ".git")); // there on beta's disk, so only the exclude line stops a put into it
  assert.equal((await alpha!.run(["sync"])).code, 0);
  // alpha's own config excludes the path too, so speak as alpha directly.
  await speakAs(c, "alpha", async (session) => {
    const entry = entryFromWire({
      kind: "file", vector: { alpha: 9 }, modifiedBy: "alpha", changedAtMs: 1, mode: 0o100644, uid: 0, gid: 0,
      mtimeNs: "1700000000000000000", size: 5, hash: "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a",
    });
    const body = async function* () { yield Buffer.from("1234\n"); };
    const reply = await session.request({ type: "put", path: "%data%/secret" as never, entry, forced: false, encoding: "whole" }, { body: body() });
    assert.equal(reply.type === "put-reply" && reply.answer.kind === "refused" && reply.answer.code, "NOT_INCLUDED");
    const offer = await session.request({ type: "offer", dryRun: false, entries: [{ path: "%data%/secret" as never, entry, forced: false }] });
    assert.equal(offer.type === "offer-reply" && offer.answers[0]!.answer.kind, "refused");
    // Below a directory a basename exclude drops: the name alone matches no exclude line.
    const inside = await session.request({ type: "put", path: "%data%/.git/HEAD" as never, entry, forced: false, encoding: "whole" }, { body: body() });
    assert.equal(inside.type === "put-reply" && inside.answer.kind === "refused" && inside.answer.code, "NOT_INCLUDED");
    await assert.rejects(session.request({ type: "put", path: "%data%/../escape" as never, entry, forced: false, encoding: "whole" }, { body: body() }));
  });
  assert.equal(existsSync(join(beta!.root, "secret")), false);
  assert.deepEqual(readdirSync(join(beta!.root, ".git")), []);
  assert.equal(existsSync(join(beta!.root, "..", "escape")), false);
  await beta!.daemon!.waitForLog(/Cannot decode message.*\.\./);
});

test("a peer whose config excludes what the pusher includes says which node refuses and how to fix it", async () => {
  const c = await cluster(["alpha", "beta"], { start: false });
  const { alpha, beta } = c.nodes;
  const shared = readFileSync(c.configFile, "utf8");
  writeFileSync(c.configFile, shared.replace("  include %data%;\n", "  include %data%;\n  exclude %data%/private;\n"));
  await beta!.start(); // beta's daemon keeps the config it read: private excluded
  writeFileSync(c.configFile, shared);
  mkdirSync(join(alpha!.root, "private"));
  writeFileSync(join(alpha!.root, "private", "x"), "x\n");
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 1, run.stderr + run.stdout);
  assert.match(run.stderr, /error: beta: %data%\/private: NOT_INCLUDED: .*Cannot accept "%data%\/private": group "g" on node "beta" does not include it; every node of a group needs the same include and exclude lines/);
  // Offered once in the run (pushed while the check went on, then not again by the update).
  assert.equal(run.stderr.match(/^error: beta: %data%\/private: /gm)?.length, 1, run.stderr);
  assert.equal(run.stderr.match(/warn: beta: %data%\/private: /g)?.length, 1, run.stderr);
  assert.equal(existsSync(join(beta!.root, "private")), false);
});

test("a peer whose include root is missing refuses what goes below it by name, in its own log too, and takes it once the root is back", async () => {
  const c = await cluster(["alpha", "beta"]);
  const { alpha, beta } = c.nodes;
  writeFileSync(join(alpha!.root, "first"), "1\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  renameSync(beta!.root, `${beta!.root}.away`);
  writeFileSync(join(alpha!.root, "second"), "2\n");
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 1, run.stderr + run.stdout);
  assert.match(run.stderr, /error: beta: %data%\/second: ROOT_MISSING: .*the include root \S+ of group "g" does not exist on this node; create that directory/);
  const logged = await beta!.daemon!.waitForLog((r) => r.code === "ROOT_MISSING", 5_000);
  assert.equal(logged.level, "warn");
  assert.match(String(logged.msg), /^refused %data%\/second from alpha: /);
  assert.equal(existsSync(beta!.root), false, "the refusal made no root");
  renameSync(`${beta!.root}.away`, beta!.root);
  const again = await alpha!.run(["sync"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.equal(readFileSync(join(beta!.root, "second"), "utf8"), "2\n");
});
test("a peer whose include root is an empty mount point writes nothing there and records no deletion, and takes the edits once its disk is back", async () => {
  const c = await cluster(["alpha", "beta"]);
  const { alpha, beta } = c.nodes;
  writeFileSync(join(alpha!.root, "page"), "v1\n");
  writeFileSync(join(alpha!.root, "other"), "o\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  // An unmounted disk: the mount point is there, empty.
  renameSync(beta!.root, `${beta!.root}.disk`);
  mkdirSync(beta!.root);
  writeFileSync(join(alpha!.root, "page"), "v2\n");
  mkdirSync(join(alpha!.root, "new-dir"));
  writeFileSync(join(alpha!.root, "new-dir", "brand-new"), "new\n");
  const run = await alpha!.run(["sync"]);
  assert.notEqual(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stderr, /ROOT_UNMOUNTED: .*the include root \S+ of group "g" holds none of the entries this node's index knows below it \(an unmounted disk\?\); mount the disk/);
  assert.deepEqual(readdirSync(beta!.root), [], "nothing written into the mount point, new files and directories included");
  // beta's operator reads why, per path.
  await beta!.daemon!.waitForLog((r) => r.code === "ROOT_UNMOUNTED" && r.level === "warn", 5_000);
  rmSync(beta!.root, { recursive: true });
  renameSync(`${beta!.root}.disk`, beta!.root);
  const again = await alpha!.run(["sync", "-v"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.match(again.stdout, /^beta\t>f\t%data%\/page\ttake-remote$/m, "an update, not a conflict with a deletion beta never made");
  assert.equal(readFileSync(join(beta!.root, "page"), "utf8"), "v2\n");
  assert.equal(readFileSync(join(beta!.root, "new-dir", "brand-new"), "utf8"), "new\n");
  assert.equal(existsSync(join(beta!.state, "backup")), false, "no conflict, so no backup");
});

test("a mount point that holds only a stray file is still an unmounted disk: nothing goes out as deleted, nothing is written into it", async () => {
  const c = await cluster(["alpha", "beta"]);
  const { alpha, beta } = c.nodes;
  mkdirSync(join(alpha!.root, "site"));
  for (const name of ["a", "b", "c"]) writeFileSync(join(alpha!.root, "site", name), `${name}\n`);
  writeFileSync(join(alpha!.root, "top"), "top\n");
  assert.equal((await alpha!.run(["sync"])).code, 0);
  const before = snapshot(beta!.root);
  // Unmounted, and an application wrote its log into the bare mount point.
  const unmount = (root: string): void => {
    renameSync(root, `${root}.disk`);
    mkdirSync(root);
    writeFileSync(join(root, "app.log"), "written while the disk was away\n");
  };
  unmount(alpha!.root);
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 5, run.stderr + run.stdout);
  assert.match(run.stderr, /safety: %data%: Cannot check root: it vanished or holds none of the files the index knows there/);
  assert.deepEqual(snapshot(beta!.root), before, "no deletion reached the peer");
  const status = await alpha!.run(["status", "--no-probe"]);
  assert.match(status.stdout, /^ {2}peer beta .*last error \d+ s ago: safety stop: %data%: Cannot check root: it vanished or holds none/m, status.stdout);
  // The receiving side: beta's disk is away, with a stray file; alpha's edit is refused.
  rmSync(alpha!.root, { recursive: true });
  renameSync(`${alpha!.root}.disk`, alpha!.root);
  unmount(beta!.root);
  writeFileSync(join(alpha!.root, "top"), "top v2\n");
  const push = await alpha!.run(["sync"]);
  assert.notEqual(push.code, 0, push.stderr + push.stdout);
  assert.match(push.stderr, /ROOT_UNMOUNTED: .*holds none of the entries this node's index knows below it \(an unmounted disk\?\)/);
  assert.deepEqual(readdirSync(beta!.root), ["app.log"], "nothing written into the mount point");
});

test("a daemon stopped while an action runs ends it within its grace; the action runs again, once, at the next start", { timeout: 60_000 }, async () => {
  const logDir = tempDir("action-shutdown");
  const log = join(logDir, "action.log");
  try {
    // A sleep no other process runs, to find the action's processes by.
    const sleep = `sleep 29.${process.pid % 1000}`;
    const c = await cluster(["alpha", "beta"], { extra: [`action { pattern %data%/conf; exec "echo start >> ${log}; ${sleep}"; timeout 60s; }`] });
    const { alpha, beta } = c.nodes;
    writeFileSync(join(alpha!.root, "conf"), "x\n");
    await alpha!.run(["sync"]); // its batch-end answer comes after half the request timeout at the latest
    const starts = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((l) => l === "start").length : 0);
    while (starts() === 0) await new Promise((r) => setTimeout(r, 50));
    const stopping = Date.now();
    await beta!.stop();
    assert.ok(Date.now() - stopping < 5_000, `stopped after ${Date.now() - stopping} ms, not when the action would have ended`);
    assert.equal(spawnSync("pgrep", ["-f", sleep]).status, 1, "no action process outlives the daemon");
    await beta!.start();
    while (starts() < 2) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(starts(), 2, "run again at the start, once");
    await beta!.stop();
  } finally {
    cleanup(logDir);
  }
});

test("a failing action on a receiver: the file is synced, the run exits 7", async () => {
  const c = await cluster(["alpha", "beta"], { extra: ['action { pattern %data%/conf; exec "exit 3"; }'] });
  const { alpha, beta } = c.nodes;
  mkdirSync(join(alpha!.root, "conf"));
  writeFileSync(join(alpha!.root, "conf", "x"), "x\n");
  const run = await alpha!.run(["sync"]);
  assert.equal(run.code, 7, run.stderr + run.stdout);
  assert.equal(readFileSync(join(beta!.root, "conf", "x"), "utf8"), "x\n");
  // Exit 7 says why, on the terminal the cron mail comes from.
  assert.match(run.stderr, /^action failed: beta: 1 run\(s\) of group "g"'s actions failed there; its action logfile and `peersync status` on beta say why$/m);
  assert.match(run.stdout, /, 0 error\(s\), 1 action run\(s\) failed$/m);
});
