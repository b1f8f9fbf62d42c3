// A put whose body takes longer than the request timeout to arrive (a big file on a thin link:
// 30 s is 375 MB at 100 Mbit/s). The receiver's request timeout must count from the last body
// byte, not from the request's first frame: it once aborted such a put mid-body, read the
// truncated body as complete, answered a content-hash mismatch, removed the resumable partial
// file, and the file never synced (the pusher waited for a reply that never came and marked
// the peer unreachable).

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, startDaemon } from "../helpers/daemon.js";
import { proxiedPairFixture } from "../helpers/faults.js";
import { FAST_ENV } from "./sync-cluster.js";

const fx = proxiedPairFixture("slow-put");
const { dir, root, state } = fx;

test("a put that takes longer than the receiver's request timeout to arrive still lands", { timeout: 120_000 }, async () => {
  // 4 MiB at 1 MiB/s: about 4 s of body against b's 1.5 s request timeout.
  const { cfgA, cfgB } = await fx.link({ link: { latencyMs: 5, bytesPerSecond: 1 << 20 } });
  fx.daemon = await startDaemon({ name: "b", configFile: cfgB, stateDir: state("b"), env: { ...FAST_ENV, PEERSYNC_REQUEST_TIMEOUT_MS: "1500" } });
  const content = randomBytes(4 << 20);
  writeFileSync(join(root("a"), "big.bin"), content);

  const r = await runCli(["-N", "a", "--config", cfgA, "--state-dir", state("a"), "sync"], FAST_ENV);
  assert.equal(r.code, 0, `${r.stderr}\nb's log:\n${fx.daemon.logText()}`);
  assert.ok(readFileSync(join(root("b"), "big.bin")).equals(content), "the file arrived whole");
  assert.deepEqual(readdirSync(root("b")).filter((f) => f.startsWith(".peersync-")), [], "no temp or partial file left");
  assert.ok(!/does not match/.test(fx.daemon.logText()), "no truncated body taken for a complete one");
});
