// A daemon stopped (systemctl stop/restart: SIGTERM), or killed (a crash), while a sync is
// pushing a file to it over a thin link. The pusher must say that the peer is shutting down, not just "write EPIPE" or "the
// peer closed mid-frame"; the stopping daemon's own log must say it cut the request off, not that the
// pusher closed; and once the daemon is back, the next sync converges.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, startDaemon } from "../helpers/daemon.js";
import { proxiedPairFixture } from "../helpers/faults.js";
import { FAST_ENV } from "../integration/sync-cluster.js";

const fx = proxiedPairFixture("stop-mid-sync");
const { dir, root, state } = fx;

test("a daemon stopped mid-put: both sides say it is shutting down, and the next sync converges", { timeout: 120_000 }, async () => {
  // 6 MiB at 1 MiB/s: the put is still on the wire when b is stopped.
  const { cfgA, cfgB } = await fx.link({ link: { latencyMs: 5, bytesPerSecond: 1 << 20 } });
  const env = { ...FAST_ENV, PEERSYNC_SHUTDOWN_GRACE_MS: "300" };
  fx.daemon = await startDaemon({ name: "b", configFile: cfgB, stateDir: state("b"), env });
  const content = randomBytes(6 << 20);
  writeFileSync(join(root("a"), "big.bin"), content);
  const sync = () => runCli(["-N", "a", "--config", cfgA, "--state-dir", state("a"), "sync"], FAST_ENV);

  const running = sync();
  const started = Date.now();
  // Counted as b receives them, not as the proxy queues them: b must be holding the put when stopped.
  while (fx.proxy!.bytesUpDelivered < 1 << 20) {
    assert.ok(Date.now() - started < 30_000, "the put began");
    await new Promise((r) => setTimeout(r, 20));
  }
  const mark = fx.daemon.mark();
  assert.equal((await fx.daemon.stop()).code, 0, fx.daemon.logText());
  const cut = await running;

  assert.equal(cut.code, 4, cut.stderr);
  // Its error frame may be lost with the connection (here the proxy drops both ends): the bye it
  // sent first still names the cause. The raw socket error may follow in parentheses.
  assert.match(cut.stderr, /^unreachable: g\/b: (Peer "b" closed the session: .* node "b" is shutting down|Cannot finish the requests sent to "b": it is shutting down)/m, cut.stderr);
  const logged = fx.daemon.logsSince(mark).map((r) => JSON.stringify(r)).filter((l) => /big\.bin/.test(l));
  assert.ok(logged.length > 0 && logged.every((l) => /node \\"b\\" is shutting down/.test(l)), `b says it cut the put off:\n${fx.daemon.logText()}`);
  assert.ok(!fx.daemon.logsSince(mark).some((r) => /Cannot use session with "a": it closed/.test(r.msg ?? "")), "b does not blame a");

  fx.daemon = await startDaemon({ name: "b", configFile: cfgB, stateDir: state("b"), env });
  const again = await sync();
  assert.equal(again.code, 0, again.stderr);
  assert.ok(readFileSync(join(root("b"), "big.bin")).equals(content), "the file arrived whole");
  assert.deepEqual(readdirSync(root("b")).filter((f) => f.startsWith(".peersync-")), [], "no temp or partial file left");
});

test("a daemon killed mid-put (SIGKILL, a crash): the pusher names the lost connection, and the next sync converges", { timeout: 120_000 }, async () => {
  await fx.daemon?.stop();
  const cfgA = join(dir, "a.cfg");
  const cfgB = join(dir, "b.cfg");
  fx.daemon = await startDaemon({ name: "b", configFile: cfgB, stateDir: state("b"), env: FAST_ENV });
  const content = randomBytes(6 << 20);
  writeFileSync(join(root("a"), "crash.bin"), content);
  const sync = () => runCli(["-N", "a", "--config", cfgA, "--state-dir", state("a"), "sync"], FAST_ENV);
  const before = fx.proxy!.bytesUpDelivered;
  const running = sync();
  const started = Date.now();
  while (fx.proxy!.bytesUpDelivered - before < 1 << 20) {
    assert.ok(Date.now() - started < 30_000, "the put began");
    await new Promise((r) => setTimeout(r, 20));
  }
  fx.daemon.child.kill("SIGKILL");
  await fx.daemon.exited;
  const cut = await running;
  assert.equal(cut.code, 4, cut.stderr);
  assert.match(cut.stderr, /^unreachable: g\/b: Lost the connection to "b" with \d+ request\(s\) unanswered \(.*\): its daemon stopped, restarted or crashed, or the network failed\n {2}hint: what was not answered stays pending/m, cut.stderr);

  fx.daemon = await startDaemon({ name: "b", configFile: cfgB, stateDir: state("b"), env: FAST_ENV });
  const again = await sync();
  assert.equal(again.code, 0, again.stderr);
  assert.ok(readFileSync(join(root("b"), "crash.bin")).equals(content), "the file arrived whole");
});
