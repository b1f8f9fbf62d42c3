// `peersync check` and the listings as real processes on real trees: the awkward cases a walk
// meets on a production disk (symlink loops, fifos, type changes, unreadable files, names that
// are not UTF-8) and the csync2 output formats.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { makeTree, tempDir, writeTestConfig } from "../../src/index/testing.js";

const BIN = resolve(fileURLToPath(new URL("../../../bin/peersync", import.meta.url)));
const dirs: string[] = [];
// rm(1), not fs.rm: it removes trees deeper than PATH_MAX (the ENAMETOOLONG case).
after(() => { for (const d of dirs) spawnSync("rm", ["-rf", d]); });

interface Node { dir: string; root: string; cfg: string; state: string; run: (args: string[], as?: string) => { code: number; out: string; err: string } }

function node(label: string, spec: Record<string, string | null> = {}): Node {
  const dir = tempDir(label);
  dirs.push(dir);
  const root = join(dir, "tree");
  mkdirSync(root);
  makeTree(root, spec);
  const cfg = writeTestConfig(join(dir, "etc"), { include: [root] });
  const state = join(dir, "state");
  const run = (args: string[], as?: string) => {
    const argv = [BIN, "--config", cfg, "-N", "a", "-D", state, ...args];
    const cmd = as ? ["setpriv", `--reuid=${as}`, `--regid=${as}`, "--clear-groups", process.execPath, ...argv] : [process.execPath, ...argv];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8" });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };
  return { dir, root, cfg, state, run };
}

function json(n: Node, args: string[]): any {
  const r = n.run([...args, "--json"]);
  return JSON.parse(r.out);
}

test("check survives a symlink loop, skips a fifo and reports it, records the link", () => {
  const n = node("loop", { "a/f": "x" });
  symlinkSync("../a", join(n.root, "a/up")); // a/up/up/up/... if followed
  symlinkSync("self", join(n.root, "self"));
  assert.equal(spawnSync("mkfifo", [join(n.root, "pipe")]).status, 0);
  const r = json(n, ["check"]);
  assert.equal(r.new, 5); // root, a, a/f, a/up, self
  assert.deepEqual(r.problems.map((p: any) => [p.path.slice(n.root.length), p.severity]), [["/pipe", "skipped"]]);
  const listing = n.run(["-L"]);
  assert.equal(listing.code, 0);
  assert.match(listing.out, /:type=lnk:target=\.\.\/a\t.*\/a\/up\n/);
  assert.doesNotMatch(listing.out, /pipe/);
});

test("check sees a file replaced by a directory and back", () => {
  const n = node("swap", { x: "file" });
  n.run(["check"]);
  unlinkSync(join(n.root, "x"));
  makeTree(n.root, { "x/inside": "i" });
  const r = json(n, ["check"]);
  assert.deepEqual(r.changes.map((c: any) => [c.path.slice(n.root.length), c.kind]), [["/x", "type"], ["/x/inside", "new"]]);
  rmSync(join(n.root, "x"), { recursive: true });
  writeFileSync(join(n.root, "x"), "file again");
  const back = json(n, ["check"]);
  assert.deepEqual(back.changes.map((c: any) => [c.path.slice(n.root.length), c.kind]), [["/x", "type"], ["/x/inside", "deleted"]]);
});

test("check reports a path whose lstat fails (too long, even for root) and keeps going", () => {
  const n = node("long", { "ok.txt": "fine" });
  // Build a directory chain deeper than PATH_MAX with relative mkdirs.
  const seg = "d".repeat(200);
  let rel = "";
  const cwd = process.cwd();
  try {
    process.chdir(n.root);
    for (let i = 0; i < 22; i++) {
      mkdirSync(seg);
      process.chdir(seg);
      rel += `/${seg}`;
    }
    writeFileSync("deep.txt", "unreachable by full path");
  } finally {
    process.chdir(cwd);
  }
  const r = n.run(["check", "--json"]);
  assert.equal(r.code, 1, r.err);
  const out = JSON.parse(r.out);
  assert.ok(out.problems.length >= 1);
  assert.ok(out.problems.every((p: any) => p.severity === "error"));
  assert.ok(out.changes.some((c: any) => c.path === join(n.root, "ok.txt")));
  // The next check finds nothing new and deletes nothing below the unreadable part.
  const again = JSON.parse(n.run(["check", "--json"]).out);
  assert.equal(again.new + again.modified + again.deleted, 0);
  void rel;
});

test("check as an unprivileged user reports an unreadable file and directory, and does not delete them", () => {
  const n = node("perm", { "open.txt": "o", "secret.txt": "s", "closed/inner.txt": "i" });
  for (const d of [n.dir, join(n.dir, "etc"), n.root]) chmodSync(d, 0o755);
  mkdirSync(n.state, { mode: 0o700 });
  chownSync(n.state, 65534, 65534);
  chownSync(join(n.dir, "etc", "group.key"), 65534, 65534);
  const asNobody = (args: string[]) => n.run(args, "65534");
  chmodSync(join(n.root, "secret.txt"), 0o000);
  chmodSync(join(n.root, "closed"), 0o000);
  const r = asNobody(["check", "--json"]);
  assert.equal(r.code, 1, r.err + r.out);
  const out = JSON.parse(r.out);
  const problems = out.problems.map((p: any) => [p.path.slice(n.root.length), p.op, p.code]);
  assert.deepEqual(problems, [["/closed", "readdir", "EACCES"], ["/secret.txt", "read", "EACCES"]]);
  chmodSync(join(n.root, "secret.txt"), 0o644);
  chmodSync(join(n.root, "closed"), 0o755);
  const later = JSON.parse(asNobody(["check", "--json"]).out);
  assert.deepEqual(later.changes.map((c: any) => [c.path.slice(n.root.length), c.kind]), [["/closed", "meta"], ["/closed/inner.txt", "new"], ["/secret.txt", "new"]]);
  assert.equal(later.deleted, 0);
});

test("check records names with spaces, newlines and invalid UTF-8, escaped", () => {
  const n = node("names");
  const rootBytes = Buffer.from(n.root);
  const raw = (name: number[]) => Buffer.concat([rootBytes, Buffer.from("/"), Buffer.from(name)]);
  writeFileSync(join(n.root, "with space.txt"), "s");
  writeFileSync(join(n.root, "new\nline"), "n");
  writeFileSync(raw([0x62, 0x61, 0x64, 0xff, 0x2e, 0x74]), "latin");
  mkdirSync(raw([0xe9, 0x74, 0xe9]));
  writeFileSync(Buffer.concat([raw([0xe9, 0x74, 0xe9]), Buffer.from("/x")]), "x");
  const r = json(n, ["check"]);
  const paths = r.changes.map((c: any) => c.path.slice(n.root.length));
  assert.deepEqual(paths, ["", "/bad\uFFFDFF.t", "/new\nline", "/with space.txt", "/\uFFFDE9t\uFFFDE9", "/\uFFFDE9t\uFFFDE9/x"]);
  // Stable: the next check finds the same names unchanged, and a deletion by raw name is seen.
  assert.equal(json(n, ["check"]).changes.length, 0);
  unlinkSync(raw([0x62, 0x61, 0x64, 0xff, 0x2e, 0x74]));
  assert.deepEqual(json(n, ["check"]).changes.map((c: any) => [c.path.slice(n.root.length), c.kind]), [["/bad\uFFFDFF.t", "deleted"]]);
});

test("a path with invalid UTF-8 bytes on the command line names that file: check of it alone sees its edit, force finds it", () => {
  const n = node("raw-arg");
  const file = Buffer.concat([Buffer.from(`${n.root}/lat`), Buffer.from([0xe9]), Buffer.from("in")]);
  writeFileSync(file, "v1");
  assert.equal(n.run(["check"]).code, 0);
  writeFileSync(file, "v2, longer");
  // Node cannot pass such bytes in an argument: the shell's printf makes them (\351 = 0xE9).
  const withRawPath = (args: string) => spawnSync("sh", ["-c", `exec "$0" "$1" --config "$2" -N a -D "$3" ${args} "$(printf '%s/lat\\351in' "$4")"`,
    process.execPath, BIN, n.cfg, n.state, n.root], { encoding: "utf8" });
  const checked = withRawPath("--json check");
  assert.equal(checked.status, 0, checked.stderr);
  assert.deepEqual((JSON.parse(checked.stdout) as { changes: { path: string; kind: string }[] }).changes.map((c) => [c.path.slice(n.root.length), c.kind]), [["/lat\uFFFDE9in", "content"]]);
  const forced = withRawPath("force");
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(forced.stdout, `forced: ${n.root}/lat\uFFFDE9in\n`);
});

test("check of a path an exclude line drops, or inside a directory one drops, says which line and records nothing", () => {
  const dir = tempDir("check-excluded");
  dirs.push(dir);
  const root = join(dir, "tree");
  mkdirSync(root);
  makeTree(root, { "site/index.html": "x", "site/.git/HEAD": "ref", "junk.tmp": "x" });
  const cfg = writeTestConfig(join(dir, "etc"), { include: [root], exclude: [".git", "*.tmp"] });
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, "--config", cfg, "-N", "a", "-D", join(dir, "state"), ...args], { encoding: "utf8" });
  const head = join(root, "site/.git/HEAD");
  const r = run(["check", head, join(root, "junk.tmp"), join(root, "site/index.html")]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stderr.trimEnd().split("\n"), [ // in path order
    `skipped: ${join(root, "junk.tmp")}: Not checked: group "g" excludes it (exclude *.tmp;); drop or narrow that exclude line if it should sync`,
    `skipped: ${head}: Not checked: group "g" excludes the directory "${join(root, "site/.git")}" it is in (exclude .git;); drop or narrow that exclude line if it should sync`,
  ]);
  assert.match(r.stdout, /^check \(paths\): 3 new, /); // index.html and its two directories
  const listed = run(["list-db"]).stdout;
  assert.match(listed, /site\/index\.html/);
  assert.doesNotMatch(listed, /\.git|junk/);
  // A directory above an include line is passed through with -r: no line for it.
  assert.equal(run(["check", "-r", root]).stderr, "");
});

// A path outside every include root was answered "no group's index holds it" with a hint to
// run `peersync check` first, which cannot help: no check records such a path.
test("force names a path outside every include root as such; an included one not checked yet gets the check hint", () => {
  const n = node("force-outside", { f: "x" });
  const outside = n.run(["force", join(n.dir, "elsewhere")]);
  assert.equal(outside.code, 1);
  assert.match(outside.err, /^peersync: Cannot force ".*\/elsewhere": no group of this node includes it\nhint: check the include lines/);
  const unchecked = n.run(["-f", join(n.root, "f")]);
  assert.equal(unchecked.code, 1);
  assert.match(unchecked.err, /no index holds it yet: it was never checked\nhint: `peersync check PATH` records it first/);
});

test("list-pending, list-db, list-hints print csync2's formats and exit 2 when empty", () => {
  const n = node("lists", { "f.txt": "f" });
  assert.equal(n.run(["-M"]).code, 2);
  assert.equal(n.run(["-L"]).code, 2);
  assert.equal(n.run(["-H"]).code, 2);
  assert.equal(n.run(["-h", join(n.root, "f.txt")]).code, 0);
  assert.equal(n.run(["-rh", n.root]).code, 0);
  const hints = n.run(["-H"]);
  assert.equal(hints.code, 0);
  assert.equal(hints.out, `1\t${n.root}\n0\t${join(n.root, "f.txt")}\n`);
  assert.equal(n.run(["-c"]).code, 0);
  assert.equal(n.run(["-H"]).code, 2);
  const pending = n.run(["-M"]);
  assert.equal(pending.out, `chary\ta\tb\t${n.root}\nchary\ta\tb\t${join(n.root, "f.txt")}\n`);
  const db = n.run(["-L"]).out.split("\n");
  assert.match(db[0]!, new RegExp(`^v1:mode=16877:uid=0:gid=0:type=dir\t${n.root}$`));
  assert.match(db[1]!, new RegExp(`^v1:mtime=\\d+:mode=33188:uid=0:gid=0:type=reg:size=1\t${n.root}/f.txt$`));
  const m = JSON.parse(n.run(["list-pending", "--json"]).out);
  assert.deepEqual(m.map((r: any) => [r.myname, r.peer, r.forced, r.deleted]), [["a", "b", false, false], ["a", "b", false, false]]);
});

test("check -d changes nothing and says so", () => {
  const n = node("dry", { "f.txt": "f" });
  const r = n.run(["-cd"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /2 new.*dry run/);
  assert.equal(n.run(["-M"]).code, 2);
});

test("check --full walks everything despite hints; --checksum hashes every file", () => {
  const n = node("full", { "a.txt": "a", "b.txt": "b" });
  n.run(["check"]);
  writeFileSync(join(n.root, "a.txt"), "a2");
  writeFileSync(join(n.root, "b.txt"), "b2");
  n.run(["hint", join(n.root, "a.txt")]);
  const full = json(n, ["check", "--full"]);
  assert.equal(full.scope, "full");
  assert.deepEqual(full.changes.map((c: any) => c.path.slice(n.root.length)), ["/a.txt", "/b.txt"]);
  assert.equal(n.run(["-H"]).code, 2, "a full check consumes the hints it covered");
  const summed = json(n, ["check", "--checksum"]);
  assert.equal(summed.examined, 3);
  assert.equal(summed.new + summed.modified + summed.deleted, 0);
});
