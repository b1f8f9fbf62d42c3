// File names with a newline or a tab, and one crafted to read as an output line of its own,
// through real processes: `-T`, `-M` and `sync -v` print exactly one line per path, with the
// name escaped as rsync does (`\#012`, `\#011`; core/shown-name.ts), while --json and the
// synced files keep the raw names.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pairForFile, snapshot } from "./sync-cluster.js";

const pair = pairForFile();

const NEWLINE = "new\nline";
const TAB = "tab\there";
// After the newline, a -T line of its own about the root (a name cannot hold a "/").
const FORGED = "ok\nL\ta\tb\t%data%";
const RAW = [NEWLINE, FORGED, TAB].map((n) => `%data%/${n}`);
const SHOWN = ["%data%/new\\#012line", "%data%/ok\\#012L\\#011a\\#011b\\#011%data%", "%data%/tab\\#011here"];

const lines = (text: string): string[] => text.replace(/\n$/, "").split("\n");

test("-T, -M and sync -v: one line per path, a newline or tab in a name escaped rsync's way", async () => {
  const { a, b } = pair;
  for (const name of [NEWLINE, TAB, FORGED]) writeFileSync(join(a.root, name), "y\n");

  const tested = await a.run(["-T"]);
  assert.equal(tested.code, 0, tested.stderr);
  assert.deepEqual(lines(tested.stdout), SHOWN.map((p) => `L\ta\tb\t${p}`), tested.stdout);

  const pending = await a.run(["-M"]);
  assert.equal(pending.code, 0, pending.stderr);
  const rows = lines(pending.stdout).map((l) => l.split("\t"));
  for (const r of rows) assert.equal(r.length, 4, `a -M line of four columns: ${JSON.stringify(r)}`);
  assert.deepEqual(rows.map((r) => r[3]).filter((p) => p !== "%data%"), SHOWN, pending.stdout);

  const json = await a.run(["-M", "--json"]);
  const listed = (JSON.parse(json.stdout) as { path: string }[]).map((r) => r.path).filter((p) => p !== "%data%");
  assert.deepEqual(listed, RAW, "--json keeps the raw names");

  const synced = await a.run(["sync", "-v"]);
  assert.equal(synced.code, 0, synced.stderr + synced.stdout);
  const out = lines(synced.stdout);
  const sent = out.filter((l) => l.startsWith("b\t>f\t"));
  assert.deepEqual(sent, SHOWN.map((p) => `b\t>f\t${p}\ttake-remote`), synced.stdout);
  // The three files, the root found in sync, the summary: nothing else, so no forged line.
  assert.equal(out.length, 5, synced.stdout);
  assert.deepEqual(out.filter((l) => !l.startsWith("b\t")).map((l) => l.slice(0, 9)), ["1 peer(s)"], synced.stdout);
  assert.deepEqual(snapshot(b.root), snapshot(a.root), "the files themselves arrive under their raw names");

  const again = await a.run(["-T"]);
  assert.equal(again.code, 2, `in sync now: ${again.stdout}${again.stderr}`);
  assert.equal(again.stdout, "");
});
