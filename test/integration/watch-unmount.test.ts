// The disk under a watched include root unmounted while the daemon runs (watch/root-halts.ts):
// node a's group "disk" lives on a tmpfs, group "other" beside it; b is receive-only. inotify
// ends the watches of an unmounted filesystem without a word through the watcher, so before
// this the daemon said nothing and halted nothing until its next full check (rescan-interval).
// Now: one error line within seconds naming the root and the fix, the group halted (status
// says so, b keeps every file), "other" still syncing, and the group resumed by itself, watched
// again, once the disk is back.
//
// Needs root (mount -t tmpfs): a mount that fails fails the test. Every mount is removed at the
// end, also on failure.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { cleanup, freePort, runCli, startDaemon, tempDir, writeKey, type DaemonProcess } from "../helpers/daemon.js";
import { sleep, waitFor } from "../helpers/watch.js";
import { FAST_ENV } from "./sync-cluster.js";

const dir = tempDir("watch-unmount");
const mounts: string[] = [];
const daemons: DaemonProcess[] = [];

after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  for (const m of mounts.reverse()) {
    try {
      execFileSync("umount", ["-l", m], { stdio: "ignore" });
    } catch {
      // already unmounted by the test
    }
  }
  cleanup(dir);
});

function mountTmpfs(at: string): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", at]);
  mounts.push(at);
}

const root = (node: string, group: string) => join(dir, node, group);
const onB = (group: string, rel: string) => join(root("b", group), rel);
const textOnB = (group: string, rel: string) => (existsSync(onB(group, rel)) ? readFileSync(onB(group, rel), "utf8") : undefined);

test("daemon: an include root whose disk is unmounted halts its group within seconds, and the group resumes once it is back", async () => {
  for (const n of ["a", "b"]) for (const g of ["disk", "other"]) mkdirSync(root(n, g), { recursive: true });
  mountTmpfs(root("a", "disk"));
  const files = { "f1.txt": "one", "f2.txt": "two", "sub/f3.txt": "three" };
  mkdirSync(join(root("a", "disk"), "sub"));
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(root("a", "disk"), rel), text);
  writeFileSync(join(root("a", "other"), "o1.txt"), "o1");
  const [pa, pb] = [await freePort(), await freePort()];
  const hosts = `a@127.0.0.1:${pa} (b@127.0.0.1:${pb})`;
  const configFile = join(dir, "peersync.cfg");
  writeFileSync(configFile, ["disk", "other"].map((g) => [
    `prefix ${g} { on a: ${root("a", g)}; on b: ${root("b", g)}; }`,
    `group ${g} { host ${hosts}; key ${writeKey(dir, `${g}.key`)}; include %${g}%; debounce 100ms; }`,
  ].join("\n")).join("\n") + "\n");
  const start = (name: string) => startDaemon({ name, configFile, stateDir: join(dir, name, "state"), env: FAST_ENV, readyTimeoutMs: 60_000 });
  daemons.push(await start("b"));
  const a = await start("a");
  daemons.push(a);
  await a.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", 30_000);
  assert.ok(await waitFor(() => Object.entries(files).every(([rel, text]) => textOnB("disk", rel) === text) && textOnB("other", "o1.txt") === "o1", 15_000), "initial push");
  const saved = join(dir, "saved");
  cpSync(root("a", "disk"), saved, { recursive: true, preserveTimestamps: true });

  // The disk goes away; a log written into the bare mount point meanwhile must not count as it.
  const mark = a.mark();
  const t0 = Date.now();
  execFileSync("umount", [root("a", "disk")]);
  writeFileSync(join(root("a", "disk"), "stray.log"), "written while unmounted");
  const halt = await a.waitForLog((r) => r.kind === "unmounted" && r.level === "error", 10_000, mark);
  console.log(`# unmount → halt logged after ${Date.now() - t0} ms`);
  assert.equal(halt.group, "disk");
  assert.match(String(halt.msg), new RegExp(`include root %disk% \\(${root("a", "disk")}\\)`));
  assert.match(String(halt.msg), /mount the disk again.*or fix the config/);

  // The other group goes on; the halted one sends nothing, the stray file included.
  writeFileSync(join(root("a", "other"), "o2.txt"), "o2");
  assert.ok(await waitFor(() => textOnB("other", "o2.txt") === "o2", 10_000), "the other group still pushes");
  let status = "";
  const shown = await waitFor(() => /HALTED group disk since .*include root %disk%/.test(status), 8_000, async () => {
    status = (await runCli(["-N", "a", "--config", configFile, "--state-dir", join(dir, "a", "state"), "status", "--no-probe"])).stdout;
  });
  assert.ok(shown, status);
  await sleep(2_500); // one more look at the root (ROOT_LOOK_MS): still away, nothing said again
  assert.deepEqual(Object.keys(files).filter((rel) => textOnB("disk", rel) === undefined), [], "no deletion reached b");
  assert.equal(textOnB("disk", "stray.log"), undefined);
  assert.equal(a.logsSince(mark).filter((r) => r.kind === "unmounted").length, 1, "the halt is told once");

  // A reload (SIGHUP) starts a new loop, whose first full check finds the root still away: the
  // halt stands without being told again, and status shows it throughout.
  const reloadMark = a.mark();
  const reload = await runCli(["reload", "--pid", String(a.pid)], { RUNTIME_DIRECTORY: a.runtimeDir });
  assert.equal(reload.code, 0, reload.stderr);
  assert.match(reload.stdout, new RegExp(`^daemon ${a.pid} \\(node a\\): config reloaded`), reload.stdout);
  await a.waitForLog((r) => r.msg === "continuous mode ready: initial full check done", 15_000, reloadMark);
  await sleep(2_500);
  assert.equal(a.logsSince(mark).filter((r) => r.kind === "unmounted").length, 1, `the halt is not told again after a reload; log:\n${a.logText()}`);
  status = (await runCli(["-N", "a", "--config", configFile, "--state-dir", join(dir, "a", "state"), "status", "--no-probe"])).stdout;
  assert.match(status, /HALTED group disk since .*include root %disk%/, status);
  writeFileSync(join(root("a", "other"), "o3.txt"), "o3");
  assert.ok(await waitFor(() => textOnB("other", "o3.txt") === "o3", 10_000), "the other group still pushes after the reload");

  // The disk comes back, at once as a mount does (filled aside, then bind-mounted), with one
  // file changed while it was away.
  const staging = join(dir, "staging");
  mkdirSync(staging);
  mountTmpfs(staging);
  cpSync(saved, staging, { recursive: true, preserveTimestamps: true });
  writeFileSync(join(staging, "f1.txt"), "one, edited elsewhere");
  execFileSync("mount", ["--bind", staging, root("a", "disk")]);
  mounts.push(root("a", "disk"));
  await a.waitForLog((r) => r.kind === "remounted" && r.group === "disk", 10_000, mark);
  assert.ok(await waitFor(() => textOnB("disk", "f1.txt") === "one, edited elsewhere", 10_000), "what changed while away is pushed on resume");
  // Watched again: a new file goes within seconds, not at the next full check.
  writeFileSync(join(root("a", "disk"), "late.txt"), "late");
  assert.ok(await waitFor(() => textOnB("disk", "late.txt") === "late", 8_000), `watched again after resuming; log:\n${a.logText()}`);
  assert.equal(textOnB("disk", "stray.log"), undefined, "the bare mount point's file never went");
  assert.equal(textOnB("disk", "f2.txt"), "two");
});
