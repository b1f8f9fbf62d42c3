// `make demo` (dist/scripts/demo.js) end to end: it finishes in under a minute, every step's
// narration is backed by what the step printed (the demo measures, this test reads the
// measurements), and it leaves no daemon and no temp dir behind, also when interrupted.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const DEMO = fileURLToPath(new URL("../../scripts/demo.js", import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function daemonPids(out: string): number[] {
  return [...out.matchAll(/daemon \w+ ready \(pid (\d+)\)/g)].map((m) => Number(m[1]));
}

function tempDirOf(out: string): string {
  const m = /(\/\S*peersync-demo-[A-Za-z0-9]+)\//.exec(out);
  assert.ok(m, "the demo names its temp dir");
  return m[1]!;
}

test("make demo runs to the end in under a minute and its narration holds", { timeout: 120_000 }, async () => {
  const started = Date.now();
  const child = spawn(process.execPath, [DEMO], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const seconds = (Date.now() - started) / 1000;
  assert.equal(code, 0, out);
  assert.ok(seconds < 60, `took ${seconds} s`);
  const expect = [
    /== The config, as node alpha reads it[\s\S]*group web\n\s+local\s+alpha@127\.0\.0\.1:\d+/,
    /daemon alpha ready[\s\S]*daemon beta ready[\s\S]*daemon gamma ready/,
    /beta: conf\/site\.conf = listen 80;\n\s+gamma: conf\/site\.conf = listen 80;/,
    // The action: once on each node that received conf/site.conf, not on the sender.
    /-> alpha: the action ran 0 time\(s\)\n\s+-> beta: the action ran 1 time\(s\)\n\s+-> gamma: the action ran 1 time\(s\)/,
    /alpha: index\.html = <h1>hello, edited on beta<\/h1>\n\s+gamma: index\.html = <h1>hello, edited on beta<\/h1>/,
    /gamma\t<f\t%site%\/index\.html\tconflict-local-wins \(younger\)/,
    /alpha: index\.html = <h1>gamma's edit \(younger\)<\/h1>\n\s+beta: index\.html = <h1>gamma's edit \(younger\)<\/h1>\n\s+gamma: index\.html = <h1>gamma's edit \(younger\)<\/h1>/,
    /alpha's losing version, kept in its backup dir:\n\s+\S+\/alpha\/state\/backup\/\S+\/index\.html\n\s+= <h1>alpha's edit \(older\)<\/h1>/,
    /-> nothing offered, nothing sent/,
    /-> exit 2: alpha, beta and gamma hold the same files/,
    /\$ peersync -N alpha status --no-probe\n[\s\S]*\n\s+lost here: 1 version\(s\) since \d+ s ago, 1 still in the backup directory; last \d+ s ago: %site%\/index\.html, conflict \(younger\), to gamma, kept as \S+\/alpha\/state\/backup\/\S+\/index\.html\n/,
    /\$ peersync -N beta status\n[\s\S]*group web \(as beta\): pending 0, conflicts 0[\s\S]*\(exit 0\)/,
    /patched: +4194304 bytes, identical to the edited file/,
  ];
  for (const re of expect) assert.match(out, re);
  for (const bad of [/\(missing!\)/, /NOT quiet/, /NOT in sync/, /ERROR/]) assert.doesNotMatch(out, bad);
  // Every node's pending list ends empty: either at once, or after that node's own sync, which
  // must then find the peers already in sync and send no content.
  for (const m of out.matchAll(/-> (\d+) offered, (\d+) already in sync there, (\d+) sent with content/g)) {
    assert.equal(m[3], "0", m[0]);
    assert.equal(m[1], m[2], m[0]);
  }
  for (const pid of daemonPids(out)) assert.equal(alive(pid), false, `daemon ${pid} still runs`);
  assert.equal(existsSync(tempDirOf(out)), false, "temp dir removed");
});

test("Ctrl-C during the demo stops its daemons and removes its temp dir", { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [DEMO], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("daemon gamma ready")) resolve();
    });
    child.on("close", () => resolve());
  });
  child.kill("SIGINT");
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on("close", resolve)));
  assert.equal(code, 130, out);
  const pids = daemonPids(out);
  assert.equal(pids.length, 3, out);
  // SIGKILL'ed by PID: give the kernel a moment to reap them.
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) assert.equal(alive(pid), false, `daemon ${pid} still runs`);
  assert.equal(existsSync(tempDirOf(out)), false, "temp dir removed");
});
