// Crash safety of `peersync check`: SIGKILL real check processes at random moments while they
// record a 20k-file tree (and later a batch of changes), then let one check finish. The index
// must then be exactly what one uninterrupted check would have made: every path recorded once,
// every version bumped exactly once per change, every entry pending once per peer.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openIndex } from "../../src/index/database.js";
import { EntryStore, type EntryRecord } from "../../src/index/entries.js";
import { PendingStore } from "../../src/index/pending.js";
import { tempDir, writeTestConfig } from "../../src/index/testing.js";

const BIN = resolve(fileURLToPath(new URL("../../../bin/peersync", import.meta.url)));
const DIRS = 200;
const FILES_PER_DIR = 100;
const KILLS_FIRST = 18;
const KILLS_CHANGES = 12;

const dir = tempDir("crash");
after(() => rmSync(dir, { recursive: true, force: true }));
const root = join(dir, "tree");
const state = join(dir, "state");
const cfg = writeTestConfig(join(dir, "etc"), { include: [root], hosts: "a b c" });
const argv = [BIN, "--config", cfg, "-N", "a", "-D", state, "check"];

// Deterministic pseudo-random delays, so a failure can be replayed with the same seed.
let seed = Number(process.env.PEERSYNC_CRASH_SEED ?? 20261123);
const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

/** Starts a check and SIGKILLs it after `ms`; resolves with whether it was killed mid-run. */
function killAfter(ms: number): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      done(signal === "SIGKILL");
    });
  });
}

/**
 * Wall time of one check of the tree into a scratch index (which is then removed): a first
 * check, or one that starts from a copy of the state dir `from`.
 */
function checkMs(from?: string): number {
  const scratch = join(dir, "calibrate");
  if (from !== undefined) cpSync(from, scratch, { recursive: true });
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, "--config", cfg, "-N", "a", "-D", scratch, "check"], { encoding: "utf8" });
  const ms = performance.now() - started;
  assert.equal(r.status, 0, r.stderr);
  rmSync(scratch, { recursive: true, force: true });
  return ms;
}

/** A moment within a run that takes `span` ms, past node's start-up (~100 ms). */
function killMoment(span: number): number {
  return 100 + random() * Math.max(span - 100, 50);
}

function checkToEnd(): void {
  const r = spawnSync(process.execPath, argv, { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

function diskPaths(): Set<string> {
  const out = new Set<string>([root]);
  for (const d of readdirSync(root)) {
    out.add(join(root, d));
    for (const f of readdirSync(join(root, d))) out.add(join(root, d, f));
  }
  return out;
}

function readIndex(): { entries: EntryRecord[]; pending: Map<number, string[]> } {
  const db = openIndex(state, { readonly: true });
  try {
    const entries = [...new EntryStore(db).all()];
    const pending = new Map<number, string[]>();
    for (const p of new PendingStore(db).list()) pending.set(p.entryId, [...(pending.get(p.entryId) ?? []), p.peer]);
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    return { entries, pending };
  } finally {
    db.close();
  }
}

/** The index against the disk: `expectVersion(path)` is a's counter each path must have. */
function verify(expectVersion: (path: string) => number, deleted: ReadonlySet<string>): void {
  const { entries, pending } = readIndex();
  const live = new Set<string>();
  const seen = new Set<string>();
  for (const e of entries) {
    assert.ok(!seen.has(e.path), `recorded twice: ${e.path}`);
    seen.add(e.path);
    if (e.deletedNs === undefined) live.add(e.path);
    else assert.ok(deleted.has(e.path), `tombstone for a path never deleted: ${e.path}`);
    assert.deepEqual(e.vector, { a: expectVersion(e.path) }, `version of ${e.path}`);
    assert.deepEqual(pending.get(e.id)?.sort(), ["b", "c"], `pending peers of ${e.path}`);
  }
  assert.deepEqual([...live].sort(), [...diskPaths()].sort());
  for (const d of deleted) assert.ok(seen.has(d), `deletion of ${d} lost`);
}

test(`check keeps the index consistent across ${KILLS_FIRST + KILLS_CHANGES} SIGKILLs`, async (t) => {
  for (let d = 0; d < DIRS; d++) {
    mkdirSync(join(root, `d${d}`), { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(join(root, `d${d}`, `f${f}`), `${d}/${f}`);
  }
  let killed = 0;
  // Kill moments span one uninterrupted first check, so they land mid-run however fast it is.
  const span = checkMs();
  for (let i = 0; i < KILLS_FIRST; i++) {
    if (await killAfter(killMoment(span))) killed++;
    else {
      // It finished what the killed ones left: check that, then start over, so every kill of
      // this phase lands in a first check rather than in a short no-change one.
      verify(() => 1, new Set());
      rmSync(state, { recursive: true, force: true });
    }
  }
  checkToEnd();
  verify(() => 1, new Set());

  // A batch of changes: 500 modified, 300 deleted, 300 new files (20 new in each of 15 dirs).
  const modified = new Set<string>();
  const deleted = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const p = join(root, `d${i % DIRS}`, `f${(i * 7) % FILES_PER_DIR}`);
    writeFileSync(p, `changed ${i}`);
    modified.add(p);
  }
  for (let i = 0; i < 300; i++) {
    const p = join(root, `d${(i * 3) % DIRS}`, `f${50 + (i % 50)}`);
    if (modified.has(p) || deleted.has(p)) continue;
    rmSync(p);
    deleted.add(p);
  }
  const created = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const p = join(root, `d${i % 15}`, `new${i}`);
    writeFileSync(p, "new");
    created.add(p);
  }
  // As above, every kill lands in a check that records this batch: one that finished is undone
  // (the state from before the batch comes back). A check of an unchanged tree now skips its
  // directories and is over before most kill moments.
  const expectVersion = (p: string): number => (modified.has(p) || deleted.has(p) ? 2 : 1);
  const beforeChanges = join(dir, "state-before-changes");
  cpSync(state, beforeChanges, { recursive: true });
  const changesSpan = checkMs(beforeChanges);
  for (let i = 0; i < KILLS_CHANGES; i++) {
    if (await killAfter(killMoment(changesSpan))) killed++;
    else {
      verify(expectVersion, deleted);
      rmSync(state, { recursive: true, force: true });
      cpSync(beforeChanges, state, { recursive: true });
    }
  }
  checkToEnd();
  checkToEnd();
  // Parent directories of changed children moved mtime only, which does not bump (core/dirty).
  verify(expectVersion, deleted);
  t.diagnostic(`${killed} of ${KILLS_FIRST + KILLS_CHANGES} checks were killed before they finished`);
  assert.ok(killed >= 10, `only ${killed} of ${KILLS_FIRST + KILLS_CHANGES} checks were killed mid-run`);
});
