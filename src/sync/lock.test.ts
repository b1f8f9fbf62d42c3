import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { LockError } from "../errors.js";
import { acquireRunLock, LOCK_FILE } from "./lock.js";

const dir = mkdtempSync(join(tmpdir(), "peersync-lock-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("acquireRunLock() writes the pid and release() removes the file", async () => {
  const lock = await acquireRunLock(dir, 4242);
  assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), "4242\n");
  assert.equal(lock.tookOverStale, false, "a free lock is not a dead run's");
  await lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
});

test("acquireRunLock() refuses while a live process holds the lock, naming it", async () => {
  const lock = await acquireRunLock(dir);
  await assert.rejects(acquireRunLock(dir), (err: unknown) => err instanceof LockError && err.message.includes(`pid ${process.pid}`));
  await lock.release();
});

for (const [name, text] of [["a dead pid", "999999999\n"], ["garbage", "not a pid"], ["an empty file", ""]] as const) {
  test(`acquireRunLock() takes over a lock holding ${name}`, async () => {
    writeFileSync(join(dir, LOCK_FILE), text);
    const lock = await acquireRunLock(dir, 7);
    assert.equal(readFileSync(join(dir, LOCK_FILE), "utf8"), "7\n");
    assert.equal(lock.tookOverStale, true, "the next run must sweep what the dead one left");
    await lock.release();
  });
}
