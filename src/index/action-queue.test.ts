import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ActionQueue } from "./action-queue.js";
import { openIndex } from "./database.js";

function withStateDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "peersync-aq-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("ActionQueue.enqueue() keeps paths intact and pending() lists oldest first", () => {
  withStateDir((dir) => {
    const db = openIndex(dir);
    const queue = new ActionQueue(db, { now: () => 1234 });
    const odd = ["/a b", "/x;reboot", "/$(touch /tmp/pwned)", "/new\nline", "%www%/ä"];
    const first = queue.enqueue("web", "a1", odd);
    const second = queue.enqueue("db", "a2", ["/c"]);
    assert.ok(second > first);
    assert.deepEqual(queue.pending(), [
      { id: first, group: "web", actionId: "a1", paths: odd, enqueuedAt: 1234 },
      { id: second, group: "db", actionId: "a2", paths: ["/c"], enqueuedAt: 1234 },
    ]);
    assert.deepEqual(
      queue.pending("db").map((q) => q.id),
      [second],
    );
    db.close();
  });
});

test("ActionQueue survives a crash: pending rows are still there after reopening, then gone once done", () => {
  withStateDir((dir) => {
    const before = openIndex(dir);
    new ActionQueue(before).enqueue("web", "a1", ["/etc/nginx/a.conf"]);
    before.close(); // the "crash": nothing marked done

    const after = openIndex(dir);
    const queue = new ActionQueue(after);
    const pending = queue.pending();
    assert.equal(pending.length, 1);
    assert.deepEqual(pending[0]?.paths, ["/etc/nginx/a.conf"]);
    queue.markDone(pending.map((q) => q.id));
    assert.equal(queue.count(), 0);
    after.close();

    const again = openIndex(dir);
    assert.deepEqual(new ActionQueue(again).pending(), []);
    again.close();
  });
});

test("ActionQueue.enqueue() rolls back with the caller's transaction", () => {
  withStateDir((dir) => {
    const db = openIndex(dir);
    const queue = new ActionQueue(db);
    const applyBatch = db.transaction(() => {
      queue.enqueue("web", "a1", ["/x"]);
      throw new Error("apply failed");
    });
    assert.throws(() => applyBatch(), /apply failed/);
    assert.equal(queue.count(), 0);
    db.close();
  });
});

test("ActionQueue.markDone() removes only the rows it is given, never reused ids", () => {
  withStateDir((dir) => {
    const db = openIndex(dir);
    const queue = new ActionQueue(db);
    const a = queue.enqueue("web", "a1", ["/1"]);
    const b = queue.enqueue("web", "a1", ["/2"]);
    queue.markDone([b]);
    // A run that took row b must never delete a newer row: ids are not reused.
    const c = queue.enqueue("web", "a1", ["/3"]);
    assert.ok(c > b);
    queue.markDone([b, 999]);
    assert.deepEqual(
      queue.pending().map((q) => q.paths[0]),
      ["/1", "/3"],
    );
    assert.equal(a < c, true);
    db.close();
  });
});
