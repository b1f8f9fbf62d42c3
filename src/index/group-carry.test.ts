import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/types.js";
import { PEERS_KEY_PREFIX, markNewPeers } from "../watch/new-peers.js";
import { runCheck } from "./check-run.js";
import { openIndex, type Db } from "./database.js";
import { carriedText, carryGoneGroups } from "./group-carry.js";
import { MetaStore } from "./meta.js";
import { TEST_KEY, tempDir } from "./testing.js";

const dir = tempDir("group-carry");
after(() => rmSync(dir, { recursive: true, force: true }));

interface GroupSpec {
  readonly name: string;
  readonly hosts: string;
  readonly include: readonly string[];
}

/** A config of these groups for node "a", written under `label`. */
function configOf(label: string, stateDir: string, groups: readonly GroupSpec[]): Config {
  const etc = join(dir, label, "etc");
  mkdirSync(etc, { recursive: true });
  const key = join(etc, "group.key");
  writeFileSync(key, `${TEST_KEY}\n`, { mode: 0o600 });
  const text = groups.map((g) => [`group ${g.name} {`, `  host ${g.hosts};`, `  key ${key};`, ...g.include.map((p) => `  include ${p};`), "}"].join("\n"));
  const file = join(etc, `${groups.map((g) => g.name).join("-")}.cfg`);
  writeFileSync(file, `${text.join("\n")}\n`);
  return loadConfig({ configFile: file, nodeName: "a", stateDir });
}

interface Row {
  readonly grp: string;
  readonly path: string;
  readonly vv: string;
  readonly deleted: boolean;
}

function rows(db: Db): Row[] {
  return db.prepare<[], { grp: string; path: string; vv: string; deleted_ns: number | null }>("SELECT grp, path, vv, deleted_ns FROM entries ORDER BY path, grp").all()
    .map((r) => ({ grp: r.grp, path: r.path, vv: r.vv, deleted: r.deleted_ns !== null }));
}

function pendingOf(db: Db): string[] {
  return db.prepare<[], { grp: string; path: string; peer: string }>("SELECT e.grp, e.path, p.peer FROM pending p JOIN entries e ON e.id = p.entry_id ORDER BY e.path, p.peer").all()
    .map((r) => `${r.grp} ${r.path} ${r.peer}`);
}

/** A tree under `label` with a.txt, sub/b.txt and a deleted gone.txt, recorded in group "old". */
async function recordedUnderOld(label: string, hosts = "a b c"): Promise<{ root: string; state: string; db: Db; old: Config }> {
  const root = join(dir, label, "tree");
  mkdirSync(join(root, "sub"), { recursive: true });
  writeFileSync(join(root, "a.txt"), "a");
  writeFileSync(join(root, "sub", "b.txt"), "b");
  writeFileSync(join(root, "gone.txt"), "soon deleted");
  const state = join(dir, label, "state");
  const old = configOf(label, state, [{ name: "old", hosts, include: [root] }]);
  const db = openIndex(state);
  markNewPeers(db, old, "all");
  await runCheck(db, old, { full: true, statWorker: false });
  rmSync(join(root, "gone.txt"));
  await runCheck(db, old, { full: true, statWorker: false });
  return { root, state, db, old };
}

test("a renamed group keeps its rows: vectors, tombstones and pending rows move to the new name", async () => {
  const { root, state, db } = await recordedUnderOld("rename");
  try {
    const before = rows(db);
    const web = configOf("rename", state, [{ name: "web", hosts: "a b c", include: [root] }]);
    const carried = carryGoneGroups(db, web);
    assert.deepEqual(carried, [{ from: "old", to: "web", entries: 5 }], "root, a.txt, gone.txt (tombstone), sub, sub/b.txt");
    assert.deepEqual(rows(db), before.map((r) => ({ ...r, grp: "web" })), "same paths, vectors and tombstone, under the new name");
    assert.ok(pendingOf(db).every((p) => p.startsWith("web ")), "the pending rows went with their entries");
    assert.equal(pendingOf(db).length, 10, "5 entries × peers b and c");
    const check = await runCheck(db, web, { full: true, statWorker: false });
    assert.equal(check.new + check.modified + check.deleted, 0, "nothing looks new after the rename");
    assert.deepEqual(carryGoneGroups(db, web), [], "once");
  } finally {
    db.close();
  }
});

test("a check under the new name carries first; without the carry every file of the renamed group would be new", async () => {
  const { root, state, db } = await recordedUnderOld("check-carries");
  try {
    const web = configOf("check-carries", state, [{ name: "web", hosts: "a b c", include: [root] }]);
    const check = await runCheck(db, web, { full: true, statWorker: false });
    assert.deepEqual(check.carried, [{ from: "old", to: "web", entries: 5 }]);
    assert.equal(check.new, 0);
    assert.deepEqual(rows(db).map((r) => r.grp), ["web", "web", "web", "web", "web"], "no row left under the old name, none doubled");
  } finally {
    db.close();
  }
});

test("a split sends each path to the first group that selects it; a path no group selects stays for prune", async () => {
  const { root, state, db } = await recordedUnderOld("split");
  try {
    const split = configOf("split", state, [
      { name: "docs", hosts: "a b", include: [join(root, "sub")] },
      { name: "rest", hosts: "a b c", include: [join(root, "a.txt")] },
    ]);
    const carried = carryGoneGroups(db, split);
    assert.deepEqual([...carried].sort((x, y) => x.to.localeCompare(y.to)), [{ from: "old", to: "docs", entries: 2 }, { from: "old", to: "rest", entries: 1 }]);
    assert.deepEqual(rows(db).map((r) => `${r.grp} ${r.path.slice(root.length) || "/"}`), ["old /", "rest /a.txt", "old /gone.txt", "docs /sub", "docs /sub/b.txt"]);
    assert.deepEqual(pendingOf(db).filter((p) => p.startsWith("docs ")).map((p) => p.split(" ")[2]), ["b", "b"], "c is no peer of docs: its rows there go");
    const meta = new MetaStore(db);
    assert.equal(meta.get(PEERS_KEY_PREFIX + "docs"), JSON.stringify(["b", "c"]), "docs inherits the old group's known peers");
    assert.equal(meta.get(PEERS_KEY_PREFIX + "rest"), JSON.stringify(["b", "c"]));
  } finally {
    db.close();
  }
});

test("a host new in the renamed group is marked for the whole tree, as for any new peer", async () => {
  const { root, state, db } = await recordedUnderOld("new-host", "a b");
  try {
    db.prepare("DELETE FROM pending").run(); // b is in sync
    const web = configOf("new-host", state, [{ name: "web", hosts: "a b d", include: [root] }]);
    carryGoneGroups(db, web);
    assert.deepEqual(markNewPeers(db, web, "all"), [{ group: "web", peer: "d", entries: 4 }], "the live entries, not the tombstone");
    assert.ok(pendingOf(db).every((p) => p.endsWith(" d")), "b is not sent everything again");
  } finally {
    db.close();
  }
});

test("a row the new group already holds stays where it is (recorded there before the carry)", async () => {
  const { root, state, db } = await recordedUnderOld("taken");
  try {
    const web = configOf("taken", state, [{ name: "web", hosts: "a b c", include: [root] }]);
    const id = db.prepare<[], { id: number }>("SELECT id FROM entries WHERE path LIKE '%/a.txt'").get()!.id;
    db.prepare("INSERT INTO entries (grp, path, kind, mode, uid, gid, mtime_ns, size, vv, ctime_ns, ino, dev, fp) SELECT 'web', path, kind, mode, uid, gid, mtime_ns, size, '{\"a\":9}', ctime_ns, ino, dev, fp FROM entries WHERE id = ?").run(id);
    const carried = carryGoneGroups(db, web);
    assert.deepEqual(carried, [{ from: "old", to: "web", entries: 4 }]);
    const aRows = rows(db).filter((r) => r.path.endsWith("/a.txt"));
    assert.deepEqual(aRows.map((r) => `${r.grp} ${r.vv}`), ["old {\"a\":1}", "web {\"a\":9}"]);
  } finally {
    db.close();
  }
});

test("carriedText() names both groups and the count", () => {
  assert.equal(carriedText({ from: "g", to: "web", entries: 1 }), 'group "g" is no longer in the config: 1 entry carried over to group "web" with its version history');
  assert.match(carriedText({ from: "g", to: "web", entries: 2 }), /2 entries carried over/);
});
