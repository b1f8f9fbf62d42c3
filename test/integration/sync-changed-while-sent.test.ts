// A file rewritten while its bytes stream to a peer (a busy log or journal): the open-time look
// passed, the bytes that went are neither the checked version nor the new one. The pusher once
// sent them to the end; the peer refused them (HASH_MISMATCH) and both sides logged it as an
// error, the run exiting 1, before the next run sent the new version. Now the pusher sees the
// write once it read the last byte, stops the body instead of ending it, and the peer drops it
// at info. Nothing fails; the next sync sends the new version.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, startDaemon } from "../helpers/daemon.js";
import { proxiedPairFixture } from "../helpers/faults.js";
import { FAST_ENV } from "./sync-cluster.js";

const fx = proxiedPairFixture("changed-while-sent");
const { root, state } = fx;

const parts = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith(".peersync-part-"));

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !ok(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
  }
}

test("a file rewritten while it is sent is stopped, not refused as corrupt; the next sync sends it", { timeout: 120_000 }, async () => {
  // 24 MiB at 2 MiB/s: about 12 s of body. The pusher reads ahead only as far as the socket
  // buffers and the proxy's queue (well under 24 MiB), so its last read comes long after
  // the peer's first byte.
  const { cfgA, cfgB } = await fx.link({ link: { latencyMs: 5, bytesPerSecond: 2 << 20 } });
  fx.daemon = await startDaemon({ name: "b", configFile: cfgB, stateDir: state("b"), env: { ...FAST_ENV }, args: ["-v"] });
  const a = (args: readonly string[]) => runCli(["-N", "a", "--config", cfgA, "--state-dir", state("a"), ...args], FAST_ENV);
  const big = join(root("a"), "big.bin");
  writeFileSync(big, randomBytes(24 << 20));

  const mark = fx.daemon.mark();
  const run = a(["sync", "-v"]);
  // The body is streaming (b keeps a whole file this big in its partial file): rewrite the
  // last byte, which the pusher has not read yet; same size, the mtime a second on.
  await until("the put's first bytes on b", () => parts(root("b")).some((f) => statSync(join(root("b"), f)).size > 0), 30_000);
  const fd = openSync(big, "r+");
  writeSync(fd, Buffer.from([0x41]), 0, 1, (24 << 20) - 1);
  closeSync(fd);
  const later = Date.now() / 1000 + 1;
  utimesSync(big, later, later);

  const r = await run;
  const said = r.stdout + r.stderr;
  const bLog = fx.daemon.logsSince(mark);
  assert.equal(r.code, 0, `${said}\nb's log:\n${fx.daemon.logText()}`);
  assert.match(said, /big\.bin" changed while it was being sent \(rewritten\); it is sent again after the next check/, said);
  assert.match(said, /1 changed while being sent \(sent after the next check\)/, said);
  assert.doesNotMatch(said, /HASH_MISMATCH|does not match|error:|warn:/, said);
  assert.ok(bLog.some((l) => l.level === "info" && /big\.bin changed on a while it was being sent; it is sent again after the next check/.test(String(l.msg))), fx.daemon.logText());
  assert.ok(!bLog.some((l) => l.level === "warn" || l.level === "error"), `b warned:\n${fx.daemon.logText()}`);
  assert.deepEqual(parts(root("b")), [], "no partial file of bytes that were never a version");
  assert.deepEqual(readdirSync(root("b")), [], "nothing written on b");

  const again = await a(["sync"]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.ok(readFileSync(join(root("b"), "big.bin")).equals(readFileSync(big)), "the new version arrived");
});
