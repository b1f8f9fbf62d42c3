import assert from "node:assert/strict";
import { appendFileSync, closeSync, constants, existsSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { openIndex } from "./database.js";
import { appendHints, isStillSpool, parseSpool, readSpool, spoolPath } from "./hint-spool.js";
import { HintStore } from "./hints.js";
import { tempDir } from "./testing.js";

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function stateDir(label: string): string {
  const d = tempDir(`spool-${label}`);
  dirs.push(d);
  return join(d, "state");
}

const cases = [
  { name: "reads whole records", text: '\n{"path":"/a","recursive":false}\n{"path":"/b c","recursive":true}', want: [["/a", false], ["/b c", true]] },
  { name: "skips a record torn by a power cut, keeps the next", text: '\n{"path":"/a","recu\n{"path":"/b","recursive":false}', want: [["/b", false]] },
  { name: "skips relative paths and wrong types", text: '\n{"path":"a","recursive":false}\n{"path":"/x","recursive":1}\n[1]\nnull', want: [] },
  { name: "keeps newlines and odd bytes inside a path", text: `\n${JSON.stringify({ path: "/n\nl\uFFFD", recursive: false })}`, want: [["/n\nl\uFFFD", false]] },
] as const;
for (const c of cases) {
  test(`parseSpool() ${c.name}`, () => {
    assert.deepEqual(parseSpool(c.text).map((h) => [h.path, h.recursive]), c.want);
  });
}

test("appendHints() creates the state dir and spool; readSpool() sees rotated files too", () => {
  const state = stateDir("append");
  appendHints(state, ["/srv/a", "/srv/b"], false);
  appendHints(state, ["/srv/d"], true, { fsync: true });
  renameSync(spoolPath(state), `${spoolPath(state)}.1-1`);
  appendHints(state, ["/srv/e"], false);
  assert.deepEqual(readSpool(state).map((h) => `${h.path} ${h.recursive}`), ["/srv/a false", "/srv/b false", "/srv/d true", "/srv/e false"]);
});

test("isStillSpool() tells an appender its spool was rotated (renamed) or removed under it", () => {
  const state = stateDir("rotated");
  appendHints(state, ["/srv/a"], false);
  const file = spoolPath(state);
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND);
  try {
    assert.equal(isStillSpool(fd, file), true);
    renameSync(file, `${file}.1-1`);
    assert.equal(isStillSpool(fd, file), false, "renamed aside by an ingester");
    writeFileSync(file, ""); // the next appender's new spool
    assert.equal(isStillSpool(fd, file), false, "a new spool under the name is not ours");
    unlinkSync(`${file}.1-1`);
    assert.equal(isStillSpool(fd, file), false, "removed after ingestion");
  } finally {
    closeSync(fd);
  }
});

test("HintStore.ingestSpool() moves the spool into the table once, and writes nothing when it is empty", () => {
  const state = stateDir("ingest");
  const db = openIndex(state);
  try {
    const store = new HintStore(db);
    assert.equal(store.ingestSpool(), 0);
    appendHints(state, ["/srv/a", "/srv/b"], false);
    appendHints(state, ["/srv/a"], false);
    appendFileSync(spoolPath(state), '\n{"path":"/srv/torn","rec');
    assert.deepEqual(store.listWithSpool().map((h) => [h.path, h.seq]), [["/srv/a", 0], ["/srv/b", 0]]);
    assert.equal(store.ingestSpool(), 3);
    assert.deepEqual(store.list().map((h) => h.path), ["/srv/a", "/srv/b"]);
    assert.deepEqual(readdirSync(state).filter((n) => n.startsWith("hints.spool")), []);
    assert.equal(existsSync(spoolPath(state)), false);
    const before = db.prepare("SELECT count(*) AS n FROM hints").get();
    assert.equal(store.ingestSpool(), 0);
    assert.deepEqual(db.prepare("SELECT count(*) AS n FROM hints").get(), before);
  } finally {
    db.close();
  }
});
