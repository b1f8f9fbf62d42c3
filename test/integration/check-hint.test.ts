// `peersync hint` is called by applications after each write: it must be cheap and durable. It
// appends to the spool in the state dir (src/index/hint-spool.ts); checks move the spool into
// the index. These tests kill real processes with SIGKILL around hints and checks and then
// require the next check to see exactly the hinted paths. Times are printed, never asserted
// (bench/check.ts measures them).

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openIndex } from "../../src/index/database.js";
import { EntryStore } from "../../src/index/entries.js";
import { appendHints } from "../../src/index/hint-spool.js";
import { HintStore } from "../../src/index/hints.js";
import { tempDir, writeTestConfig } from "../../src/index/testing.js";

const BIN = resolve(fileURLToPath(new URL("../../../bin/peersync", import.meta.url)));
const DATABASE_JS = fileURLToPath(new URL("../../src/index/database.js", import.meta.url));
const dir = tempDir("hint");
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(label: string, root: string) {
  const cfg = writeTestConfig(join(dir, `etc-${label}`), { include: [root] });
  const state = join(dir, `state-${label}`);
  const argv = (...args: string[]) => [BIN, "--config", cfg, "-N", "a", "-D", state, ...args];
  const run = (...args: string[]) => spawnSync(process.execPath, argv(...args), { encoding: "utf8" });
  return { state, argv, run };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once("exit", () => done())));
}

/** Runs `peersync hint PATH --json` and SIGKILLs it the moment it reports (before a clean exit). */
async function hintThenKill(argv: readonly string[]): Promise<void> {
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((done, fail) => {
    child.stdout!.once("data", () => done());
    child.once("exit", (code) => (code === 0 ? done() : fail(new Error(`hint exited ${code}`))));
  });
  child.kill("SIGKILL");
  await exited(child);
}

const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

test("1,000 hints: every one reaches the index through the spool; index time per call printed", (t) => {
  const state = join(dir, "state-many");
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const started = performance.now();
    appendHints(state, [`/srv/upload/f${i % 500}.jpg`], i % 7 === 0);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  t.diagnostic(`hint index time per call: median ${times[500]!.toFixed(3)} ms, p95 ${times[950]!.toFixed(3)} ms`);
  const db = openIndex(state);
  try {
    const store = new HintStore(db);
    assert.equal(store.ingestSpool(), 1000);
    const hints = store.list();
    // 500 distinct paths, some hinted both plain and recursive: one row per (path, recursive).
    const distinct = new Set<string>();
    for (let i = 0; i < 1000; i++) distinct.add(`/srv/upload/f${i % 500}.jpg ${i % 7 === 0}`);
    assert.equal(hints.length, distinct.size);
    assert.equal(new Set(hints.map((h) => h.seq)).size, hints.length);
  } finally {
    db.close();
  }
});

test("peersync -h from a real process survives its exit, and -H lists it", () => {
  const root = join(dir, "tree");
  const { run } = cli("list", root);
  assert.equal(run("-h", join(root, "a b"), join(root, "c")).status, 0);
  const listed = run("-H");
  assert.equal(listed.status, 0);
  assert.equal(listed.stdout, `0\t${join(root, "a b")}\n0\t${join(root, "c")}\n`);
});

test("a hint survives SIGKILL of the hint process and of a daemon holding the index; the next check sees it", async () => {
  const root = join(dir, "tree-kill");
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < 6; i++) writeFileSync(join(root, `f${i}`), "old");
  writeFileSync(join(root, "canary"), "old");
  const { state, argv, run } = cli("kill", root);
  assert.equal(run("check").status, 0);
  // A process with the index open, as a daemon has: killed too, right after the hints returned.
  const holder = spawn(process.execPath, ["--input-type=module", "-e",
    `const { openIndex } = await import(${JSON.stringify(DATABASE_JS)}); globalThis.db = openIndex(${JSON.stringify(state)}); console.log("open"); setInterval(() => {}, 1000);`,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((done) => holder.stdout!.once("data", done));
  writeFileSync(join(root, "canary"), "changed, never hinted");
  for (let i = 0; i < 6; i++) {
    writeFileSync(join(root, `f${i}`), `new ${i}`);
    await hintThenKill(argv("hint", "--json", join(root, `f${i}`)));
  }
  holder.kill("SIGKILL");
  await exited(holder);
  const r = run("check", "--json");
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { scope: string; changes: { path: string; kind: string }[] };
  assert.equal(out.scope, "hints");
  assert.deepEqual(out.changes.map((c) => `${c.kind} ${c.path}`).sort(), [0, 1, 2, 3, 4, 5].map((i) => `content ${join(root, `f${i}`)}`));
});

test("checks SIGKILLed while they take the spool lose no hint", async () => {
  const root = join(dir, "tree-ingest");
  mkdirSync(root, { recursive: true });
  const files = Array.from({ length: 42 }, (_, i) => join(root, `g${i}`));
  for (const f of files) writeFileSync(f, "old");
  writeFileSync(join(root, "canary"), "old");
  const { state, argv, run } = cli("ingest", root);
  const started = performance.now();
  assert.equal(run("check").status, 0);
  // Kill times spread over the length of a check on this machine, so some checks die before,
  // during or after they take the spool, and some finish.
  const checkMs = performance.now() - started;
  writeFileSync(join(root, "canary"), "changed, never hinted");
  let seed = 20261205;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let killed = 0;
  for (let round = 0; round < 6; round++) {
    const batch = files.slice(round * 7, round * 7 + 7);
    for (const f of batch) writeFileSync(f, `new ${f}`);
    // A hint of a path that does not exist keeps every check hint-scoped (a check with no hints
    // walks everything and would record the canary, hiding a lost hint).
    assert.equal(run("hint", ...batch, join(root, `none-${round}`)).status, 0);
    const child = spawn(process.execPath, argv("check"), { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), random() * 1.5 * checkMs);
    await exited(child);
    clearTimeout(timer);
    if (child.signalCode === "SIGKILL") killed++;
  }
  assert.equal(run("hint", join(root, "none-last")).status, 0);
  const r = run("check", "--json");
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { scope: string }).scope, "hints");
  const db = openIndex(state, { readonly: true });
  try {
    const entries = new EntryStore(db);
    for (const f of files) assert.equal(entries.get("g", f)?.hash, sha256(f), `${f} recorded with its new content`);
    assert.notEqual(entries.get("g", join(root, "canary"))?.hash, sha256(join(root, "canary")), "no check walked the whole tree");
    assert.deepEqual(new HintStore(db).listWithSpool(), []);
  } finally {
    db.close();
  }
  assert.deepEqual(readdirSync(state).filter((n) => n.startsWith("hints.spool")), []);
  process.stderr.write(`# ${killed} of 6 checks killed mid-run\n`);
});
