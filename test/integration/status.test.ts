// `peersync status` from a real process: the fingerprint, pending counts from a real check,
// a live peer (a real daemon) and a dead one, and what a daemon recorded on its board.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openIndex } from "../../src/index/database.js";
import { loadOrCreateIdentity } from "../../src/net/identity.js";
import { StatusBoard } from "../../src/status/board.js";
import { realTimers } from "../../src/watch/timers.js";
import { cleanup, freePort, runCli, startDaemon, tempDir, writeConfig, writeKey, type DaemonProcess } from "../helpers/daemon.js";

const dir = tempDir("status");
const root = join(dir, "www");
const stateA = join(dir, "a");
let daemonB: DaemonProcess | undefined;
let cfg = "";

before(async () => {
  mkdirSync(root);
  for (const name of ["one", "two", "three"]) writeFileSync(join(root, name), name);
  const [portB, portC] = [await freePort(), await freePort()];
  cfg = writeConfig(dir, "cluster.cfg", [{
    name: "g", keyFile: writeKey(dir, "g.key"), include: [root],
    hosts: ["a@127.0.0.1", `b@127.0.0.1:${portB}`, `(c@127.0.0.1:${portC})`],
  }]);
  daemonB = await startDaemon({ name: "b", configFile: cfg, stateDir: join(dir, "b") });
});

after(async () => {
  await daemonB?.stop();
  cleanup(dir);
});

const cli = (...args: string[]) => runCli(["--config", cfg, "-N", "a", "--state-dir", stateA, ...args], { PEERSYNC_CONNECT_TIMEOUT_MS: "2000" });

test("status --json: fingerprint, pending per peer from a check, a live and a dead peer; exit 0", async () => {
  assert.equal((await cli("check")).code, 0);
  const identity = loadOrCreateIdentity(stateA);
  const t0 = Date.now();
  const res = await cli("status", "--json");
  const tookMs = Date.now() - t0;
  assert.equal(res.code, 0, res.stderr);
  const s = JSON.parse(res.stdout);
  assert.equal(s.node, "a");
  assert.equal(s.fingerprint, identity.fingerprint);
  const g = s.groups[0];
  // The root and its three files, for each of the two peers.
  assert.equal(g.pending, 8);
  const [b, c] = g.peers;
  assert.deepEqual([b.name, b.pending, b.reachable, b.conflicts], ["b", 4, true, 0]);
  assert.equal(typeof b.remoteUptimeS, "number");
  assert.deepEqual([c.name, c.pending, c.reachable, c.receiveOnly], ["c", 4, false, true]);
  assert.match(c.probeError, /ECONNREFUSED|connect/);
  assert.ok(tookMs < 5_000, `status took ${tookMs} ms`);
});

test("status (text) shows the daemon's watchers, last sync per peer and last action; --no-probe contacts nobody", async () => {
  const db = openIndex(stateA);
  const board = new StatusBoard({ timers: realTimers, db });
  board.setWatch([{ group: "g", root, local: root, state: "watching", reason: undefined }]);
  board.recordCheck({ atMs: Date.now(), scope: "full", durationMs: 5, changes: 4, reason: "start" });
  board.recordPeer("g", "b");
  board.recordPeer("g", "c", "Cannot connect to host \"c\": ECONNREFUSED");
  board.recordAction("g", true);
  board.close();
  db.close();
  const res = await cli("status", "--no-probe");
  assert.equal(res.code, 0, res.stderr);
  const lines = res.stdout.trimEnd().split("\n");
  // This test process wrote the board, so its pid is the daemon's and it is alive.
  assert.match(lines[2]!, /^daemon: running, pid \d+, last full check \d+ s ago$/);
  assert.equal(lines[3], `  watch g ${root}: watching`);
  assert.match(lines[5]!, /^ {2}peer b 127\.0\.0\.1:\d+: not probed, pending 4, conflicts 0, last sync \d+ s ago$/);
  assert.match(lines[6]!, /^ {2}peer c .*never synced, last error \d+ s ago: Cannot connect/);
  assert.match(lines[7]!, /^actions: 0 queued, last ok \d+ s ago \(g\)$/);
});

// A daemon whose groups are all `watch no` (csync2's cron style: b's here) checks nothing on its
// own. It once wrote nothing either, and status said it had never run while it served peers.
test("status on a node whose daemon runs with no group watched shows it running, by its pid", async () => {
  const res = await runCli(["--config", cfg, "-N", "b", "--state-dir", join(dir, "b"), "status", "--no-probe"]);
  assert.equal(res.code, 0, res.stderr);
  const line = res.stdout.split("\n").find((l) => l.startsWith("daemon:"));
  assert.equal(line, `daemon: running, pid ${daemonB!.pid}, no group watched (changes go out when \`peersync -x\` runs)`);
});

// csync2's way: cron runs `peersync -x`, the daemon only serves and so records no pushes.
test("status shows a sync run's pushes too: the last sync of a peer it reached, the error of one it could not", async () => {
  const t0 = Date.now();
  const run = await cli("sync");
  assert.equal(run.code, 4, run.stderr + run.stdout); // c has no daemon
  const res = await cli("status", "--no-probe", "--json");
  assert.equal(res.code, 0, res.stderr);
  const [b, c] = (JSON.parse(res.stdout) as { groups: { peers: { name: string; lastSyncMs: number | null; lastErrorMs: number | null; lastError: string | null }[] }[] }).groups[0]!.peers;
  assert.equal(b!.name, "b");
  assert.ok(b!.lastSyncMs !== null && b!.lastSyncMs >= t0, `b's last sync is this run's (${b!.lastSyncMs} >= ${t0})`);
  assert.ok(c!.lastErrorMs !== null && c!.lastErrorMs >= t0, `c's last error is this run's (${c!.lastErrorMs} >= ${t0})`);
  assert.match(c!.lastError ?? "", /connect|ECONNREFUSED/i);
});

test("a host removed from the group: status names its rows left pending here, and the next sync drops them", async () => {
  // c (down above) still has every entry pending; the operator removes it from the group.
  const without = writeConfig(dir, "without-c.cfg", [{
    name: "g", keyFile: join(dir, "g.key"), include: [root], hosts: ["a@127.0.0.1", `b@127.0.0.1:${portOf(cfg, "b")}`],
  }]);
  const cliWithout = (...args: string[]) => runCli(["--config", without, "-N", "a", "--state-dir", stateA, ...args], { PEERSYNC_CONNECT_TIMEOUT_MS: "2000" });
  const res = await cliWithout("status", "--no-probe", "--json");
  assert.equal(res.code, 0, res.stderr);
  const g = (JSON.parse(res.stdout) as { groups: { pending: number; peers: { name: string; pending: number }[]; formerPeers: { name: string; pending: number }[] }[] }).groups[0]!;
  assert.deepEqual(g.peers.map((p) => p.name), ["b"]);
  assert.deepEqual(g.formerPeers, [{ name: "c", pending: 4 }]);
  assert.equal(g.pending, g.peers[0]!.pending + 4, "the group's count adds up with its lines");
  const text = await cliWithout("status", "--no-probe");
  assert.match(text.stdout, /^ {2}former peer c \(no longer a host of the group\): pending 4; the next sync or update drops them$/m);

  assert.equal((await cliWithout("sync")).code, 0);
  const after = JSON.parse((await cliWithout("status", "--no-probe", "--json")).stdout) as { groups: { formerPeers: unknown[] }[] };
  assert.deepEqual(after.groups[0]!.formerPeers, []);
});

/** The port of `name@127.0.0.1:PORT` in a config file written by writeConfig. */
function portOf(file: string, name: string): number {
  return Number(new RegExp(`\\b${name}@127\\.0\\.0\\.1:(\\d+)`).exec(readFileSync(file, "utf8"))![1]);
}
