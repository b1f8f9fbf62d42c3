import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, lstatSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCheck } from "../index/check-run.js";
import { openIndex } from "../index/database.js";
import { EntryStore } from "../index/entries.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../index/testing.js";
import { ChangedWhileHashingError, hashFile } from "./hash.js";

const dir = tempDir("hash");
after(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const ino = (p: string) => lstatSync(p).ino;

for (const [name, size] of [["small (read at once)", 1000], ["big (streamed)", 3 << 20], ["big (streamed, a last short chunk)", (3 << 20) + 12_345]] as const) {
  test(`hashFile() of a ${name} file that stays still is its content hash, with the stat it was read under`, async () => {
    const path = join(dir, `still-${size}`);
    const bytes = randomBytes(size);
    writeFileSync(path, bytes);
    const got = await hashFile(path, "sha256", ino(path));
    assert.equal(got.hash, sha256(bytes));
    assert.equal(got.stat.size, BigInt(size));
  });
}

test("hashFile() refuses a file written while it is read (ECHANGED), so no torn state is ever recorded", async () => {
  const path = join(dir, "growing");
  writeFileSync(path, randomBytes(4 << 20));
  // hashFile takes its stat synchronously, before its first await: this append lands after it.
  const hashing = hashFile(path, "sha256", ino(path));
  appendFileSync(path, "one more line\n");
  await assert.rejects(hashing, (err: unknown) => err instanceof ChangedWhileHashingError && err.code === "ECHANGED" && /written while it was read/.test(err.message));
});

test("runCheck() does not record a big file appended to during the check; the next check records its final state", async () => {
  const root = join(dir, "tree");
  mkdirSync(root);
  const log = join(root, "app.log");
  writeFileSync(log, randomBytes(4 << 20));
  const config = loadTestConfig(writeTestConfig(join(dir, "etc"), { include: [root] }), join(dir, "state"));
  const db = openIndex(config.stateDir);
  try {
    let done = false;
    const checking = runCheck(db, config, { full: true, statWorker: false }).finally(() => (done = true));
    // A writer appending between every await of the check (each read of the hash is one).
    while (!done) {
      appendFileSync(log, "a log line\n");
      await new Promise((r) => setImmediate(r));
    }
    const summary = await checking;
    assert.ok(summary.problems.some((p) => p.path === log && p.severity === "skipped"), JSON.stringify(summary.problems));
    const entries = new EntryStore(db);
    assert.equal(entries.get("g", log), undefined, "a file that changed while hashed is not recorded");
    await runCheck(db, config, { full: true, statWorker: false });
    const record = entries.get("g", log);
    assert.equal(record?.size, lstatSync(log).size, "recorded once it stood still");
  } finally {
    db.close();
  }
});
