// A path argument that names no entry of the index: mark, force and test say why, in the
// operator's terms. They once answered "no group of this node includes it" (mark) for a file
// that was included but not there or never checked, and test listed nothing and exited 2, "in
// sync", for a path no group takes. Through real processes, on one node of a pair whose group
// includes %data% and excludes *.tmp; no daemon is needed.

import assert from "node:assert/strict";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cleanup, runCli, tempDir, writeKey } from "../helpers/daemon.js";
import { pairForFile } from "./sync-cluster.js";

const pair = pairForFile({ start: false, extra: ["exclude *.tmp;"] });

/** `peersync: …` and `hint: …`, the two lines an error prints. */
function errorLines(r: { code: number | null; stderr: string }, args: readonly string[]): [string, string | undefined] {
  assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
  const [message, hint] = r.stderr.replace(/\n$/, "").split("\n");
  return [message!, hint];
}

test("mark, force and test say why a path names no entry", async () => {
  const { a } = pair;
  writeFileSync(join(a.root, "new.txt"), "1\n");
  writeFileSync(join(a.root, "junk.tmp"), "1\n");
  const outside = join(a.root, "..", "elsewhere.txt");
  writeFileSync(outside, "1\n");
  const cases: [args: string[], message: string, hint: RegExp][] = [
    // Included, on disk, never checked: a check is what it needs, not the config.
    [["force", "%data%/new.txt"], 'Cannot force "%data%/new.txt": no index holds it yet: it was never checked', /^hint: `peersync check PATH` records it first$/],
    [["-f", join(a.root, "new.txt")], `Cannot force "${join(a.root, "new.txt")}": no index holds it yet: it was never checked`, /records it first/],
    // Included, but there is no such file.
    [["mark", "%data%/typo.txt"], 'Cannot mark "%data%/typo.txt": it is neither on this disk nor in the index', /list-pending/],
    [["force", "%data%/typo.txt"], 'Cannot force "%data%/typo.txt": it is neither on this disk nor in the index', /list-pending/],
    // Excluded: the line that does it.
    [["mark", join(a.root, "junk.tmp")], `Cannot mark "${join(a.root, "junk.tmp")}": group "g" excludes it (exclude *.tmp;)`, /exclude line/],
    [["force", "%data%/junk.tmp"], 'Cannot force "%data%/junk.tmp": group "g" excludes it (exclude *.tmp;)', /exclude line/],
    [["test", "%data%/junk.tmp"], 'Cannot test "%data%/junk.tmp": group "g" excludes it (exclude *.tmp;)', /exclude line/],
    // Outside every include root: the config is where to look.
    [["mark", outside], `Cannot mark "${outside}": no group of this node includes it`, /include lines/],
    [["force", outside], `Cannot force "${outside}": no group of this node includes it`, /include lines/],
    [["-T", outside], `Cannot test "${outside}": no group of this node includes it`, /include lines/],
    // The path is included; the peer is what no group has.
    [["test", "nobody", "%data%/new.txt"], 'Cannot test against "nobody": no group of this node that includes "%data%/new.txt" has that peer', /^hint: |^$/],
  ];
  for (const [args, message, hint] of cases) {
    const r = await a.run(args);
    const [got, gotHint] = errorLines(r, args);
    assert.equal(got, `peersync: ${message}`, args.join(" "));
    assert.match(gotHint ?? "", hint, args.join(" "));
  }

  // The hint was right: once checked, the file is forced.
  assert.equal((await a.run(["check", join(a.root, "new.txt")])).code, 0);
  const forced = await a.run(["--json", "force", "%data%/new.txt"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(JSON.parse(forced.stdout), { forced: ["%data%/new.txt"] });
});

test("test with -G names the group that includes the path when -G left it out", async () => {
  const dir = tempDir("test-groups");
  try {
    for (const d of ["conf", "www"]) mkdirSync(join(dir, d));
    writeFileSync(join(dir, "www", "index.html"), "1\n");
    const cfg = join(dir, "peersync.cfg");
    writeFileSync(cfg, ["conf", "www"].map((g) => `group ${g} { host a b; key ${writeKey(dir, `${g}.key`)}; include ${join(dir, g)}; }`).join("\n") + "\n");
    const path = join(dir, "www", "index.html");
    const args = ["-N", "a", "--config", cfg, "--state-dir", join(dir, "state"), "-G", "conf", "test", path];
    const [message, hint] = errorLines(await runCli(args), args);
    assert.equal(message, `peersync: Cannot test "${path}": none of the groups selected with -G (conf) includes it; group "www" does`);
    assert.equal(hint, "hint: add it: -G conf,www, or leave -G out");
  } finally {
    cleanup(dir);
  }
});

test("mark prints the problem of the check it runs first: a root that looks unmounted", async () => {
  const dir = tempDir("mark-problem");
  try {
    const root = join(dir, "www");
    mkdirSync(root);
    writeFileSync(join(root, "known.html"), "1\n");
    const cfg = join(dir, "peersync.cfg");
    writeFileSync(cfg, `group www { host a b; key ${writeKey(dir, "www.key")}; include ${root}; }\n`);
    const base = ["-N", "a", "--config", cfg, "--state-dir", join(dir, "state")];
    assert.equal((await runCli([...base, "check"])).code, 0);
    // The disk gone, a log written into the bare mount point: another directory, none of the known names.
    renameSync(root, join(dir, "disk"));
    mkdirSync(root);
    writeFileSync(join(root, "stray.log"), "x\n");
    const r = await runCli([...base, "mark", join(root, "stray.log")]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trimEnd().split("\n");
    assert.match(lines[0]!, new RegExp(`^warning: check: ${root}: .*unmounted`), r.stderr);
    assert.equal(lines[1], `peersync: Cannot mark "${join(root, "stray.log")}": it is on this disk but its check did not record it`);
  } finally {
    cleanup(dir);
  }
});
