// A file written between `peersync check` and `peersync update` (csync2 -c then -u; or a log
// appended to while a sync runs): the pusher's index still holds the version the check hashed.
// It must not send the new bytes under the old hash: the peer refused them only after they all
// arrived (HASH_MISMATCH, "the transfer was corrupted"), and a big file's refused delta then
// went again whole, every byte of it, to be refused a second time.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup } from "../helpers/daemon.js";
import { makeCluster, snapshot, type Cluster } from "./sync-cluster.js";

let c: Cluster | undefined;
after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
});

/** Overwrites one byte at `at`, keeping the size; the mtime moves on by a second. */
function rewriteByte(path: string, at: number, byte: number): void {
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.from([byte]), 0, 1, at);
  closeSync(fd);
  const later = Date.now() / 1000 + 1;
  utimesSync(path, later, later);
}

test("a file written since the check is not sent under the checked hash; the next sync sends it", { timeout: 120_000 }, async () => {
  c = await makeCluster(["a", "b"]);
  const { a, b } = c.nodes as { a: NonNullable<Cluster["nodes"]["a"]>; b: NonNullable<Cluster["nodes"]["b"]> };
  const big = join(a.root, "big.bin");
  const small = join(a.root, "small.txt");
  writeFileSync(big, randomBytes(8 << 20));
  writeFileSync(small, "version one\n");
  assert.equal((await a.run(["sync"])).code, 0);

  // A change the check records, then a write the update does not know of.
  rewriteByte(big, 1000, 0x41);
  writeFileSync(small, "version TWO\n");
  assert.equal((await a.run(["check"])).code, 0);
  rewriteByte(big, 2000, 0x42);
  rewriteByte(small, 8, 0x33); // "version T3O": same size
  const mark = b.daemon!.mark();
  const up = await a.run(["update", "-v"]);
  const said = up.stdout + up.stderr;
  // Not a failure: the files stay pending and the next sync sends them (said at info, -v).
  assert.equal(up.code, 0, said);
  assert.match(said, /2 changed while being sent \(sent after the next check\)/, said);
  assert.doesNotMatch(said, /error:|warn:/, said);
  assert.match(said, /big\.bin": it changed here since the check \(rewritten\)/, said);
  assert.match(said, /small\.txt": it changed here since the check \(rewritten\)/, said);
  assert.doesNotMatch(said, /HASH_MISMATCH|sending it whole/, said);
  const bLog = b.daemon!.logsSince(mark).map((r) => JSON.stringify(r)).join("\n");
  assert.doesNotMatch(bLog, /does not match/, "b was sent no bytes under a hash they do not have");

  // A directory and a symlink put where checked files stood: named as such, never read through.
  writeFileSync(join(a.root, "swap-dir"), "one\n");
  writeFileSync(join(a.root, "swap-link"), "two\n");
  writeFileSync(join(a.root, "swap-gone"), "three\n");
  assert.equal((await a.run(["sync"])).code, 0);
  writeFileSync(join(a.root, "swap-dir"), "changed\n");
  writeFileSync(join(a.root, "swap-link"), "changed\n");
  writeFileSync(join(a.root, "swap-gone"), "changed\n");
  assert.equal((await a.run(["check"])).code, 0);
  rmSync(join(a.root, "swap-gone"));
  rmSync(join(a.root, "swap-dir"));
  mkdirSync(join(a.root, "swap-dir"));
  rmSync(join(a.root, "swap-link"));
  symlinkSync("/etc/passwd", join(a.root, "swap-link"));
  const swapped = await a.run(["update", "-v"]);
  const told = swapped.stdout + swapped.stderr;
  assert.equal(swapped.code, 0, told);
  assert.match(told, /swap-dir": it changed here since the check \(replaced by a directory or special file\)/, told);
  assert.match(told, /swap-link": it changed here since the check \(replaced by a symlink\)/, told);
  // Removed since the check: said so, not a bare ENOENT (under continuous churn, one per file).
  assert.match(told, /swap-gone": it changed here since the check \(removed\)/, told);
  assert.doesNotMatch(told, /EISDIR|ELOOP|ENOENT/, told);

  const s = await a.run(["sync"]);
  assert.equal(s.code, 0, s.stdout + s.stderr);
  assert.ok(readFileSync(join(b.root, "big.bin")).equals(readFileSync(big)));
  assert.deepEqual(snapshot(b.root), snapshot(a.root));
});
