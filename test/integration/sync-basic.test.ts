// `peersync sync` between real daemons: files, directories, an empty directory, symlinks, an
// empty file and odd names reach every node with content, mode and mtime; edits and deletions
// follow; a second run sends nothing.

import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

let c: Cluster;
let actionLog: string;
before(async () => {
  const { tempDir } = await import("../helpers/daemon.js");
  actionLog = join(tempDir("sync-actions"), "reload.log");
  c = await makeCluster(["alpha", "beta", "gamma"], {
    extra: [`action { pattern %data%/etc/nginx; exec "echo reload %%"; logfile ${actionLog}; do-local; }`],
  });
});
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
  if (actionLog) cleanup(dirname(actionLog));
});

const SYNC = ["sync"];

/** `root`/`name`, each character of `name` one byte (so "\xe9" is the byte 0xE9, not UTF-8). */
const latin1 = (root: string, name: string): Buffer => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(name, "latin1")]);

test("sync from one node brings files, dirs, an empty dir, links, an empty file and odd names to every peer", async () => {
  const a = c.nodes.alpha!;
  const r = a.root;
  mkdirSync(join(r, "etc/nginx/sites"), { recursive: true });
  mkdirSync(join(r, "empty"));
  writeFileSync(join(r, "etc/hosts"), "127.0.0.1 localhost\n");
  writeFileSync(join(r, "etc/nginx/nginx.conf"), "worker_processes 4;\n");
  writeFileSync(join(r, "etc/nginx/sites/big.bin"), Buffer.alloc(300 * 1024, 7));
  writeFileSync(join(r, "empty-file"), "");
  writeFileSync(join(r, "with space and\nnewline"), "odd\n");
  writeFileSync(Buffer.from(`${r}/latin1-\xe9`, "latin1"), "not utf-8\n");
  // Below a directory whose name is not UTF-8: small (put in a batch), large (whole, then a
  // delta below) and a link. Their temp files were made by name, which failed every run.
  mkdirSync(latin1(r, "dir-\xe9"));
  writeFileSync(latin1(r, "dir-\xe9/small"), "below a latin-1 name\n");
  writeFileSync(latin1(r, "dir-\xe9/big.bin"), Buffer.alloc(300 * 1024, 9));
  symlinkSync("small", latin1(r, "dir-\xe9/ln"));
  // A target that is not UTF-8 either: it arrived as the escaped text ("caf\uFFFDE9").
  symlinkSync(Buffer.from("caf\xe9", "latin1"), join(r, "link-latin1"));
  symlinkSync("etc/hosts", join(r, "link-to-hosts"));
  symlinkSync("/nonexistent/target", join(r, "dangling"));
  chmodSync(join(r, "etc/hosts"), 0o640);
  utimesSync(join(r, "etc/hosts"), 1_600_000_000.123456, 1_600_000_000.123456);
  const run = await a.run(SYNC);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const want = snapshot(r);
  assert.deepEqual(snapshot(c.nodes.beta!.root), want);
  assert.deepEqual(snapshot(c.nodes.gamma!.root), want);
  const again = await a.run([...SYNC, "--json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).offered, 0, "second run offers nothing");
});

test("edits, a mode change and deletions (a whole directory too) follow", async () => {
  const a = c.nodes.alpha!;
  const r = a.root;
  writeFileSync(join(r, "etc/hosts"), "127.0.0.1 localhost\n10.0.0.1 db\n");
  const big = Buffer.alloc(300 * 1024, 7);
  big.write("changed in the middle", 150 * 1024);
  writeFileSync(join(r, "etc/nginx/sites/big.bin"), big);
  chmodSync(join(r, "etc/nginx/nginx.conf"), 0o600);
  rmSync(join(r, "with space and\nnewline"));
  rmSync(join(r, "etc/nginx/sites"), { recursive: true });
  writeFileSync(join(r, "etc/nginx/sites2"), "now a file\n");
  const bigBelow = Buffer.alloc(300 * 1024, 9);
  bigBelow.write("changed below a latin-1 name", 100 * 1024);
  writeFileSync(latin1(r, "dir-\xe9/big.bin"), bigBelow);
  writeFileSync(latin1(r, "dir-\xe9/small"), "edited\n");
  const run = await a.run(SYNC);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const want = snapshot(r);
  assert.deepEqual(snapshot(c.nodes.beta!.root), want);
  assert.deepEqual(snapshot(c.nodes.gamma!.root), want);
});

// Deletions go first, so a peer removes tools/a, which moves the times of tools, before it
// sets the directory's new mode: that took the moved times for a local write ("it changed
// here after the decision"), refused the mode and needed a second run.
test("a directory's new mode and a deletion inside it go in one run", async () => {
  const a = c.nodes.alpha!;
  mkdirSync(join(a.root, "tools"));
  writeFileSync(join(a.root, "tools/a"), "a\n");
  writeFileSync(join(a.root, "tools/b"), "b\n");
  const first = await a.run(SYNC);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  chmodSync(join(a.root, "tools"), 0o750);
  rmSync(join(a.root, "tools/a"));
  const run = await a.run(SYNC);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const want = snapshot(a.root);
  assert.deepEqual(snapshot(c.nodes.beta!.root), want);
  assert.deepEqual(snapshot(c.nodes.gamma!.root), want);
  const again = await a.run([...SYNC, "--json"]);
  assert.equal(JSON.parse(again.stdout).offered, 0, again.stdout);
});

test("a change made on another node reaches the rest from a run there", async () => {
  const b = c.nodes.beta!;
  writeFileSync(join(b.root, "from-beta"), "hello from beta\n");
  const run = await b.run(SYNC);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.deepEqual(snapshot(c.nodes.alpha!.root), snapshot(b.root));
  assert.deepEqual(snapshot(c.nodes.gamma!.root), snapshot(b.root));
  const back = await c.nodes.alpha!.run([...SYNC, "--json"]);
  assert.equal(JSON.parse(back.stdout).applied, 0, back.stdout);
  const csync2Style = await c.nodes.gamma!.run(["-x"]);
  assert.equal(csync2Style.code, 0, csync2Style.stderr);
});

test("check and sync take a path as sync prints it (%data%/...)", async () => {
  const a = c.nodes.alpha!;
  writeFileSync(join(a.root, "named"), "named by its logical path\n");
  const checked = await a.run(["--json", "check", "%data%/named"]);
  assert.equal(checked.code, 0, checked.stderr);
  const changes = (JSON.parse(checked.stdout) as { changes: { path: string; kind: string }[] }).changes;
  assert.ok(changes.some((x) => x.path === "%data%/named" && x.kind === "new"), checked.stdout);
  const run = await a.run([...SYNC, "%data%/named"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.equal(readFileSync(join(c.nodes.beta!.root, "named"), "utf8"), "named by its logical path\n");
});

test("-d prints what each peer would do and changes nothing anywhere", async () => {
  const a = c.nodes.alpha!;
  writeFileSync(join(a.root, "dry"), "would be sent\n");
  const before = snapshot(c.nodes.beta!.root);
  const run = await a.run([...SYNC, "-d"]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /^beta\t>f\t%data%\/dry\ttake-remote$/m);
  assert.match(run.stdout, /^gamma\t>f\t%data%\/dry\ttake-remote$/m);
  // The summary counts what was offered, not applied counts that a dry run leaves at 0.
  assert.match(run.stdout, /^dry run: 2 peer\(s\), [1-9]\d* entr(y|ies) offered; nothing changed/m);
  assert.deepEqual(snapshot(c.nodes.beta!.root), before);
  const real = await a.run(SYNC);
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(snapshot(c.nodes.beta!.root), snapshot(a.root));
});

test("an action runs once per node for a batch: on each receiver, and on the sender with do-local", async () => {
  const a = c.nodes.alpha!;
  const before = readLines(actionLog);
  writeFileSync(join(a.root, "etc/nginx/a.conf"), "a\n");
  writeFileSync(join(a.root, "etc/nginx/b.conf"), "b\n");
  writeFileSync(join(a.root, "etc/unrelated"), "x\n");
  const run = await a.run(SYNC);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const lines = readLines(actionLog).slice(before.length).filter((l) => l.startsWith("reload"));
  assert.equal(lines.length, 3, lines.join("\n"));
  for (const node of ["alpha", "beta", "gamma"]) {
    const root = c.nodes[node]!.root;
    const mine = lines.filter((l) => l.includes(`${root}/`));
    assert.equal(mine.length, 1, `${node}: ${lines.join("\n")}`);
    assert.match(mine[0]!, /a\.conf/);
    assert.match(mine[0]!, /b\.conf/);
    assert.doesNotMatch(mine[0]!, /unrelated/);
  }
});

function readLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}
