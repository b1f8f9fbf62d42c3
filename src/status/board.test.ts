// The status board persists what a running daemon knows for `peersync status` in another process.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openIndex } from "../index/database.js";
import { realTimers } from "../watch/timers.js";
import { readDaemonFacts, StatusBoard } from "./board.js";

const dir = mkdtempSync(join(tmpdir(), "peersync-board-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("announce() writes the daemon's pid at once; a board nobody reported to writes nothing", () => {
  const db = openIndex(dir);
  try {
    const board = new StatusBoard({ timers: realTimers, db, pid: 4242 });
    board.flush();
    assert.equal(readDaemonFacts(db), undefined, "nothing reported, nothing written");
    board.announce();
    const facts = readDaemonFacts(db);
    assert.equal(facts?.pid, 4242);
    assert.deepEqual([facts?.watch, facts?.lastFullCheck, facts?.peers], [[], undefined, []]);
    board.close();
  } finally {
    db.close();
  }
});
