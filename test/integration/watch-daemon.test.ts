// Continuous mode through the real `peersync daemon` (issue 9): node `up` writes, receive-only
// `web` receives; both daemons watch (`watch yes`, default debounce). What the acceptance asks
// for: watch → push, a file growing while it is synced, a change seen just before SIGTERM, the
// start-up race (files written during the initial check all arrive, lsyncd #226), and the
// fallback when inotify's limit is reached (a user namespace with max_inotify_watches 8), and
// a receiver stopped right after a batch still runs its (debounced) action before it exits.

import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cleanup, runCli, startDaemon, tempDir, type DaemonProcess, type StartOptions } from "../helpers/daemon.js";
import { sleep, waitFor } from "../helpers/watch.js";
import { FAST_ENV, makeCluster, type Cluster } from "./sync-cluster.js";

let c: Cluster;
const actionDir = tempDir("watch-daemon-actions");
const actionLog = join(actionDir, "actions.log");
let up: DaemonProcess | undefined;
let web: DaemonProcess | undefined;
const upRoot = () => c.nodes["up"]!.root;
const webRoot = () => c.nodes["web"]!.root;

function upOptions(extra: Partial<StartOptions> = {}): StartOptions {
  return { name: "up", configFile: c.configFile, stateDir: c.nodes["up"]!.state, readyTimeoutMs: 60_000, ...extra, env: { ...FAST_ENV, ...extra.env } };
}

const sameOnWeb = (rel: string, text: string) => () => {
  const p = join(webRoot(), rel);
  return existsSync(p) && readFileSync(p, "utf8") === text;
};

before(async () => {
  c = await makeCluster(["up", "web"], {
    receiveOnly: ["web"], watch: true, start: false,
    extra: [`action { pattern %data%/act/*; exec "echo ran >> ${actionLog}"; }`],
  });
  writeFileSync(join(upRoot(), "existing.txt"), "already here");
  web = await startDaemon({ name: "web", configFile: c.configFile, stateDir: c.nodes["web"]!.state, env: FAST_ENV, readyTimeoutMs: 60_000 });
  up = await startDaemon(upOptions({ args: ["--metrics", "127.0.0.1:0"] }));
});

after(async () => {
  await Promise.all([up?.stop(), web?.stop()]);
  cleanup(c.dir, actionDir);
});

test("daemon: the initial full check pushes the tree, a new file is on the peer within about a second, /metrics says so", async () => {
  await up!.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", 30_000);
  assert.ok(await waitFor(sameOnWeb("existing.txt", "already here"), 10_000), "initial push");
  const t0 = Date.now();
  writeFileSync(join(upRoot(), "upload.jpg"), "fresh upload");
  assert.ok(await waitFor(sameOnWeb("upload.jpg", "fresh upload"), 10_000), "watched change pushed");
  const ms = Date.now() - t0;
  console.log(`# write on up → file on web through the daemon: ${ms} ms (debounce 200 ms)`);
  assert.ok(ms < 5_000, `${ms} ms`);
  const address = (await up!.waitForLog((r) => r.msg === "metrics served at /metrics")).address as string;
  assert.match(address, /^127\.0\.0\.1:\d+$/);
  const text = await (await fetch(`http://${address}/metrics`)).text();
  assert.match(text, /^peersync_peer_up\{group="g",peer="web"\} 1$/m);
  assert.match(text, /^peersync_watched_roots\{group="g",state="watching"\} 1$/m);
  // The daemon writes its status board for `peersync status` at most once a second.
  let status = "";
  const shown = await waitFor(() => /watch g %data%: watching/.test(status), 5_000, async () => {
    status = (await runCli(["-N", "up", "--config", c.configFile, "--state-dir", c.nodes["up"]!.state, "status", "--no-probe"])).stdout;
  });
  assert.ok(shown, status);
});

test("daemon: a file appended to without pause reaches the peer only in states that existed, and whole once it stops", async () => {
  const log = join(upRoot(), "app.log");
  const mark = web!.mark();
  let expected = "";
  const torn: string[] = [];
  const end = Date.now() + 3_000;
  for (let i = 0; Date.now() < end; i++) {
    const line = `line ${i} ${"x".repeat(200)}\n`;
    appendFileSync(log, line); // one write(2): each state on disk ends with a whole line
    expected += line;
    const seen = existsSync(join(webRoot(), "app.log")) ? readFileSync(join(webRoot(), "app.log"), "utf8") : "";
    if (seen !== "" && (!expected.startsWith(seen) || !seen.endsWith("\n"))) torn.push(seen.slice(-40));
    await sleep(10);
  }
  assert.ok(await waitFor(sameOnWeb("app.log", expected), 10_000), "the final state arrives");
  assert.deepEqual(torn, [], "never a state that was not on up's disk");
  // The receiver logs a version after its rename: on a loaded machine the line can trail the file.
  const received = (): number => web!.logsSince(mark).filter((r) => typeof r.msg === "string" && r.msg.startsWith("received %data%/app.log")).length;
  await waitFor(() => received() >= 1, 5_000);
  const versions = received();
  console.log(`# a log appended every ~10 ms for 3 s: ${versions} versions received`);
  // At most one per max-delay window (2 s) plus parcel's 0.5 s batching: far fewer than the writes.
  assert.ok(versions >= 1 && versions <= 12, `${versions} versions`);
});

test("daemon: SIGTERM pushes what the watcher saw before stopping (exit 0)", async () => {
  // A longer grace than FAST_ENV's: the last push must not race a 0.5 s limit on a loaded machine.
  await up!.stop();
  up = await startDaemon(upOptions({ env: { PEERSYNC_SHUTDOWN_GRACE_MS: "10000" } }));
  await up.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", 30_000);
  writeFileSync(join(upRoot(), "last-words.txt"), "written just before SIGTERM");
  await sleep(50); // the event is in the buffer, its debounce (200 ms) not over
  const exit = await up.stop(15_000);
  up = undefined;
  assert.equal(exit.code, 0);
  assert.ok(sameOnWeb("last-words.txt", "written just before SIGTERM")(), "pushed during the graceful stop");
});

test("daemon: files written during the initial full check all arrive (lsyncd #226)", async () => {
  up = await startDaemon(upOptions({ env: { PEERSYNC_TEST_INITIAL_CHECK_DELAY_MS: "1500" } }));
  // The walk is over; the check has not ended: only the watcher can see these.
  await up.waitForLog((r) => typeof r.msg === "string" && r.msg.includes("PEERSYNC_TEST_INITIAL_CHECK_DELAY_MS"), 30_000);
  mkdirSync(join(upRoot(), "during"));
  for (let i = 0; i < 30; i++) writeFileSync(join(upRoot(), "during", `f${i}.txt`), `during ${i}`);
  writeFileSync(join(upRoot(), "existing.txt"), "changed during the check");
  const ready = await up.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", 30_000);
  assert.ok(ready, "the initial check ended after the writes");
  const all = () => Array.from({ length: 30 }, (_, i) => sameOnWeb(`during/f${i}.txt`, `during ${i}`)).every((f) => f()) &&
    sameOnWeb("existing.txt", "changed during the check")();
  assert.ok(await waitFor(all, 15_000), "every file written during the initial check reached the peer");
  await up.stop();
  up = undefined;
});

test("daemon: past inotify's limit the log names the sysctl and periodic full checks still push changes", async () => {
  // More directories than the 8 watches the namespace allows.
  for (let i = 0; i < 12; i++) mkdirSync(join(upRoot(), `dir${i}`), { recursive: true });
  const cfg = join(c.dir, "up-rescan.cfg");
  writeFileSync(cfg, readFileSync(c.configFile, "utf8").replace("  include %data%;", "  include %data%;\n  rescan-interval 2s;"));
  up = await startDaemon(upOptions({
    configFile: cfg,
    wrapper: ["unshare", "--user", "--map-root-user", "sh", "-c", 'echo 8 > /proc/sys/user/max_inotify_watches && exec "$@"', "sh"],
  }));
  const line = await up.waitForLog((r) => typeof r.msg === "string" && r.msg.includes("inotify limit reached"), 30_000);
  assert.match(String(line.msg), /\(now 8\): sysctl fs\.inotify\.max_user_watches=\d+/);
  // After the initial check: only a later full check can see this file.
  await up.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", 30_000);
  writeFileSync(join(upRoot(), "dir11", "polled.txt"), "found by a full check");
  assert.ok(await waitFor(sameOnWeb("dir11/polled.txt", "found by a full check"), 15_000), "pushed by the fallback full check");
  assert.ok(up.logs.some((r) => r.msg === "full check" && r.reason === "rescan-interval"), `a periodic full check ran: ${up.logText().split("\n").filter((l) => /full check|watch|inotify/.test(l)).join("\n")}`);
  assert.equal(up.child.exitCode, null, "the daemon did not fail");
});

test("daemon: SIGTERM right after a batch was applied runs its debounced action before exiting", async () => {
  const receiver = web!;
  const mark = receiver.mark();
  mkdirSync(join(upRoot(), "act"), { recursive: true });
  writeFileSync(join(upRoot(), "act", "reload-me.conf"), "new config");
  await receiver.waitForLog((r) => typeof r.msg === "string" && r.msg.startsWith("received %data%/act/reload-me.conf"), 30_000);
  // The receiver's action waits out the group's debounce (200 ms): stop inside it.
  const exit = await receiver.stop(15_000);
  web = undefined;
  assert.equal(exit.code, 0);
  assert.ok(existsSync(actionLog) && readFileSync(actionLog, "utf8").includes("ran"), `the action ran before the daemon exited:\n${receiver.logsSince(mark).map((r) => JSON.stringify(r)).join("\n")}`);
  assert.ok(!receiver.logsSince(mark).some((r) => typeof r.msg === "string" && r.msg.includes("stay queued")), "nothing left queued");
});
