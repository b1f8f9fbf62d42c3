// A name copied from a line of output works as a path argument. Output shows a newline in a
// name as `\#012` (core/shown-name.ts) and a byte that is not UTF-8 as U+FFFD and two hex
// digits (fs/name-codec.ts); pasted into `check`, csync2's -f or `sync`, such a name once
// named nothing: check found no file, -f said no index held it. Through real processes: the
// names are taken from -T's lines, as an operator would copy them.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PEERSYNC_BIN } from "../helpers/daemon.js";
import { pairForFile, type ClusterNode } from "./sync-cluster.js";

const pair = pairForFile();

const NEWLINE = "new\nline";
const LATIN1 = Buffer.from("lat\xe9in", "latin1");
// How the index and --json hold them.
const RAW = ["%data%/lat\uFFFDE9in", `%data%/${NEWLINE}`];

const lines = (text: string): string[] => text.replace(/\n$/, "").split("\n");

/** `peersync: …` and `hint: …`, the two lines an error prints. */
function errorLinesOf(r: { code: number | null; stderr: string }, args: readonly string[]): [string, string | undefined] {
  assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
  const [message, hint] = lines(r.stderr);
  return [message!, hint];
}

test("a name as -T shows it, escapes and all, names the file for check, -f and sync", async () => {
  const { a, b } = pair;
  const newline = join(a.root, NEWLINE);
  const latin1 = Buffer.concat([Buffer.from(`${a.root}/`), LATIN1]);
  writeFileSync(newline, "1\n");
  writeFileSync(latin1, "1\n");

  const tested = await a.run(["-T"]);
  assert.equal(tested.code, 0, tested.stderr);
  const shown = lines(tested.stdout).map((l) => l.split("\t")[3]!).filter((p) => p !== "%data%").sort();
  assert.deepEqual(shown, ["%data%/lat\uFFFDE9in", "%data%/new\\#012line"], tested.stdout);

  // -T checked this disk first, so the index holds both. They grow; a check of each path on
  // this disk, in the shown form, records the new sizes under the real names.
  writeFileSync(newline, "grown\n");
  writeFileSync(latin1, "grown\n");
  const checked = await a.run(["check", ...shown.map((p) => p.replace("%data%", a.root))]);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  const db = await a.run(["list-db", "--json"]);
  const held = (JSON.parse(db.stdout) as { path: string; size: number }[]).filter((r) => r.path !== "%data%").sort((x, y) => (x.path < y.path ? -1 : 1));
  assert.deepEqual(held.map((r) => [r.path, r.size]), RAW.map((p) => [p, 6]), db.stdout);

  // csync2's -f with the logical form list-pending and -T print.
  for (const p of shown) {
    const forced = await a.run(["-f", p]);
    assert.equal(forced.code, 0, `-f ${p}: ${forced.stdout}${forced.stderr}`);
  }
  const pending = await a.run(["list-pending", "--json"]);
  const rows = JSON.parse(pending.stdout) as { path: string; forced: boolean }[];
  assert.deepEqual(rows.filter((r) => r.forced).map((r) => r.path).sort(), RAW, pending.stdout);

  // sync of just these paths: the files arrive under their real names.
  const synced = await a.run(["sync", ...shown]);
  assert.equal(synced.code, 0, synced.stdout + synced.stderr);
  assert.ok(existsSync(join(b.root, NEWLINE)), synced.stdout);
  assert.ok(existsSync(Buffer.concat([Buffer.from(`${b.root}/`), LATIN1])), synced.stdout);
});

test("a name that exists as typed is not read as an escape", async () => {
  const { a } = pair;
  // Both exist: the literal backslash name and the one with a newline its text would show.
  writeFileSync(join(a.root, "twin\\#012"), "literal\n");
  writeFileSync(join(a.root, "twin\n"), "newline\n");
  const checked = await a.run(["check", join(a.root, "twin\\#012")]);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  const db = await a.run(["list-db", "--json"]);
  const held = (JSON.parse(db.stdout) as { path: string }[]).map((r) => r.path).filter((p) => p.startsWith("%data%/twin"));
  assert.deepEqual(held, ["%data%/twin\\#012"], db.stdout);
});

/** A name under `dir` with raw bytes in it. */
const inDir = (dir: string, name: Buffer): Buffer => Buffer.concat([Buffer.from(`${dir}/`), name]);

test("a deletion as list-pending shows it names the deleted entry for mark and force", async () => {
  const { a } = pair;
  const names = [Buffer.from("gone\nnl"), Buffer.from("gon\xe9", "latin1")];
  for (const n of names) writeFileSync(inDir(a.root, n), "1\n");
  assert.equal((await a.run(["check"])).code, 0);
  for (const n of names) unlinkSync(inDir(a.root, n));
  const checked = await a.run(["check"]);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);

  // The paths as list-pending prints them: in neither reading on disk, only in the index.
  const listed = await a.run(["list-pending"]);
  const shown = lines(listed.stdout).map((l) => l.split("\t")[3]!).filter((p) => p.startsWith("%data%/gon")).sort();
  assert.deepEqual(shown, ["%data%/gone\\#012nl", "%data%/gon\uFFFDE9"], listed.stdout);
  for (const p of shown) {
    const marked = await a.run(["--json", "mark", p]);
    assert.equal(marked.code, 0, `mark ${p}: ${marked.stdout}${marked.stderr}`);
    assert.deepEqual(JSON.parse(marked.stdout), { marked: 1 }, p);
  }
  const forced = await a.run(["--json", "force", ...shown]);
  assert.equal(forced.code, 0, forced.stdout + forced.stderr);
  const deleted = ["%data%/gone\nnl", "%data%/gon\uFFFDE9"];
  assert.deepEqual((JSON.parse(forced.stdout) as { forced: string[] }).forced.sort(), deleted, forced.stdout);
  const pending = JSON.parse((await a.run(["list-pending", "--json"])).stdout) as { path: string; forced: boolean }[];
  assert.deepEqual(pending.filter((r) => r.path.startsWith("%data%/gon")).map((r) => [r.path, r.forced]).sort(), deleted.map((p) => [p, true]));
});

test("errors quote a path argument as it was typed, on one line", async () => {
  const { a } = pair;
  // A U+FFFD and hex digits pasted from output (raw-argv.ts hands it on as the escaped bytes
  // of a literal U+FFFD), and a newline typed into a name; neither names anything here.
  const pasted = "%data%/nowhere\uFFFDE9";
  const newline = "%data%/no\nwhere";
  const cases: [args: string[], want: string][] = [
    [["force", pasted], 'peersync: Cannot force "%data%/nowhere\uFFFDE9": it is neither on this disk nor in the index'],
    [["-f", newline], 'peersync: Cannot force "%data%/no\\#012where": it is neither on this disk nor in the index'],
    [["mark", pasted], 'peersync: Cannot mark "%data%/nowhere\uFFFDE9": it is neither on this disk nor in the index'],
    [["check", "%nope%/x\uFFFDE9"], 'peersync: Cannot map path "%nope%/x\uFFFDE9": prefix "%nope%" is not defined for host "a"'],
    [["hint", "%nope%/x\n"], 'peersync: Cannot map path "%nope%/x\\#012": prefix "%nope%" is not defined for host "a"'],
    [["test", "nobody", newline], 'peersync: Cannot test against "nobody": no group of this node that includes "%data%/no\\#012where" has that peer'],
  ];
  for (const [args, want] of cases) {
    const r = await a.run(args);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.equal(lines(r.stderr)[0], want, JSON.stringify(args));
  }
});

test("compare reads names as bytes: names that are not UTF-8 are listed, each its own", async () => {
  const { a } = pair;
  const dir = join(a.root, "latin");
  mkdirSync(dir);
  // Read as strings, both were "lat\uFFFDin": one name, and no file of that name to lstat.
  for (const n of ["lat\xe9in", "lat\xe8in"]) writeFileSync(inDir(dir, Buffer.from(n, "latin1")), "1\n");
  const compared = await a.run(["compare", "-r", dir]);
  assert.equal(compared.code, 0, compared.stderr);
  assert.deepEqual(lines(compared.stdout), ["%data%/latin", "%data%/latin/lat\uFFFDE8in", "%data%/latin/lat\uFFFDE9in"]);
});

test("compare names an undefined prefix once, with the fix", async () => {
  const { a } = pair;
  const args = ["compare", "%nope%/x"];
  const [message, hint] = errorLinesOf(await a.run(args), args);
  assert.equal(message, 'peersync: Cannot map path "%nope%/x": prefix "%nope%" is not defined for host "a"');
  assert.equal(hint, "hint: add an on a: PATH; line to prefix nope");
});

test("check's record of a path outside every root shows it as it was typed", async () => {
  const { a } = pair;
  // A U+FFFD and hex digits pasted from output, outside every include root.
  const pasted = join(a.root, "..", "lat\uFFFDE9in");
  const r = await a.run(["check", pasted]);
  assert.equal(r.code, 0, r.stderr);
  const line = r.stderr.split("\n").find((l) => l.startsWith("skipped: "));
  assert.equal(line, `skipped: ${pasted}: Cannot check it: it lies under no include root of the groups checked (\`peersync config-check\` lists them)`, r.stderr);
});

/** `peersync` as node `node`, run with `dir` (bytes: spawn takes no such cwd) as the working directory, through sh. */
function runIn(dir: Buffer, node: ClusterNode, args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const octal = [...dir].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");
  const argv = [PEERSYNC_BIN, "-N", node.name, "--config", pair.cluster.configFile, "--state-dir", node.state, ...args];
  return new Promise((res) => {
    const child = spawn("sh", ["-c", 'cd "$(printf %b "$DIR")" && exec "$@"', "sh", process.execPath, ...argv], { env: { ...process.env, DIR: octal }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    child.once("close", (code) => res({ code, stderr }));
  });
}

// Node decodes the working directory as UTF-8 too: in a directory whose name is not UTF-8, a
// relative argument was resolved against U+FFFD and named nothing (check found no file, -f
// said no index held it).
test("a relative argument in a working directory whose name is not UTF-8 names its file, for check and -f", async () => {
  const { a } = pair;
  const dir = Buffer.concat([Buffer.from(`${a.root}/cwd-`), LATIN1]);
  mkdirSync(dir);
  writeFileSync(Buffer.concat([dir, Buffer.from("/rel")]), "1\n");
  const path = "%data%/cwd-lat\uFFFDE9in/rel";
  const checked = await runIn(dir, a, ["check", "rel"]);
  assert.equal(checked.code, 0, checked.stderr);
  const db = await a.run(["list-db", "--json"]);
  assert.ok((JSON.parse(db.stdout) as { path: string }[]).some((r) => r.path === path), db.stdout);
  const forced = await runIn(dir, a, ["-f", "rel"]);
  assert.equal(forced.code, 0, forced.stderr);
  const pending = await a.run(["list-pending", "--json"]);
  assert.ok((JSON.parse(pending.stdout) as { path: string; forced: boolean }[]).some((r) => r.path === path && r.forced), pending.stdout);
});

// diff(1) is spawned with names as UTF-8 strings: this node's file whose name is not UTF-8 was
// looked up by its escaped name, not found, and shown as absent (every line "-").
test("test --diff compares a file whose name is not UTF-8 with this node's own bytes", async () => {
  const { a, b } = pair;
  const name = Buffer.concat([Buffer.from("diff-"), LATIN1]);
  writeFileSync(Buffer.concat([Buffer.from(`${a.root}/`), name]), "same\nours\n");
  assert.equal((await a.run(["sync"])).code, 0);
  writeFileSync(Buffer.concat([Buffer.from(`${b.root}/`), name]), "same\ntheirs\n");
  const tested = await a.run(["test", "--diff"]);
  const lines = tested.stdout.split("\n");
  assert.ok(lines.includes("-theirs") && lines.includes("+ours") && lines.includes(" same"), tested.stdout + tested.stderr);
});
