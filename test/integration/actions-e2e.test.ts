// Issue 8 end to end: actions on real daemons after a real `peersync sync` (csync2 -x). Each
// action runs a small recorder script that writes its argv NUL-separated, PEERSYNC_FILES and
// PEERSYNC_GROUP to a fresh file per run under the node's own OUT dir (the daemons' env), so a
// test counts runs and compares arguments per node. Daemons run with `watch no`: only the
// syncs below move anything.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { spawn } from "node:child_process";
import { cleanup, PEERSYNC_BIN, startDaemon, tempDir } from "../helpers/daemon.js";
import { FAST_ENV, makeCluster, type Cluster, type ClusterNode } from "./sync-cluster.js";

const NAMES = ["alpha", "beta", "gamma"] as const;
let c: Cluster;
let work: string;
let pwned: string;
const out: Record<string, string> = {};
const logs = { record: "", fail: "", slow: "" };

/** argv NUL-separated, then the env the runner sets; one file set per run. */
const RECORDER = `#!/bin/sh
tag=$1; shift
f="$OUT/$tag.$(date +%s%N).$$"
printf '%s\\0' "$@" > "$f.args"
printf '%s' "$PEERSYNC_FILES" > "$f.files"
printf '%s' "$PEERSYNC_GROUP" > "$f.group"
`;

function envOf(name: string): Record<string, string> {
  // A receiver answers batch-end after half the request timeout at the latest; on a loaded
  // machine debounce + a 1 s timeout + kill must fit in it for the sync to see the failure.
  return { ...FAST_ENV, PEERSYNC_REQUEST_TIMEOUT_MS: "30000", OUT: out[name]!, PWNED: pwned };
}

before(async () => {
  work = tempDir("actions-e2e");
  pwned = join(work, "pwned");
  const rec = join(work, "record.sh");
  writeFileSync(rec, RECORDER, { mode: 0o755 });
  for (const n of NAMES) mkdirSync((out[n] = join(work, `out-${n}`)));
  logs.record = join(work, "record.log");
  logs.fail = join(work, "fail.log");
  logs.slow = join(work, "slow.log");
  c = await makeCluster(NAMES, {
    start: false,
    extra: [
      "watch no;",
      // Long enough that two syncs started together land in one window, short enough for the suite.
      "debounce 2000ms;",
      `action { pattern %data%/conf/*; exec "${rec} conf %%"; logfile ${logs.record}; }`,
      `action { pattern %data%/fail/*; exec "${rec} fail %%; exit 3"; logfile ${logs.fail}; }`,
      `action { pattern %data%/slow/*; exec "sleep 30"; logfile ${logs.slow}; timeout 1s; }`,
      `action { pattern %data%/both/*; exec "${rec} both %%"; logfile ${logs.record}; do-local; }`,
      `action { pattern %data%/sender/*; exec "${rec} sender %%"; logfile ${logs.record}; do-local-only; }`,
    ],
  });
  await Promise.all(NAMES.map((n) => startNode(c.nodes[n]!)));
});

after(async () => {
  await c?.stop();
  if (c) cleanup(c.dir);
  if (work) cleanup(work);
});

async function startNode(node: ClusterNode, env: Record<string, string> = {}): Promise<void> {
  node.daemon = await startDaemon({ name: node.name, configFile: c.configFile, stateDir: node.state, env: { ...envOf(node.name), ...env }, readyTimeoutMs: 30_000 });
}

function sync(node: ClusterNode, args: readonly string[] = []) {
  return node.run(["sync", ...args], envOf(node.name));
}

interface Run {
  readonly args: string[];
  readonly files: string;
  readonly group: string;
}

/** Every run of `tag` on `node`, oldest first. */
function runs(node: string, tag: string): Run[] {
  const dir = out[node]!;
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${tag}.`) && f.endsWith(".args"))
    .sort()
    .map((f) => {
      const base = join(dir, f.slice(0, -".args".length));
      const args = readFileSync(`${base}.args`, "utf8").split("\0");
      args.pop();
      return { args, files: readFileSync(`${base}.files`, "utf8"), group: readFileSync(`${base}.group`, "utf8") };
    });
}

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function write(node: ClusterNode, rel: string, text = `${rel}\n`): void {
  const file = join(node.root, rel);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
}

// Directory patterns end in /* here: a created directory is itself a changed path that a bare
// `pattern dir;` matches (as in csync2), and these tests count files.
const ODD = ["with space", `quo'te"d`, "semi;colon", "$(touch $PWNED)", "`touch $PWNED`", "new\nline"];

test("one sync: the action runs once per receiver with the 50 matching local paths; 100 others run nothing; odd names stay strings", async () => {
  const a = c.nodes.alpha!;
  const matching = [...Array.from({ length: 50 - ODD.length }, (_, i) => `conf/site${i}.conf`), ...ODD.map((n) => `conf/${n}`)];
  for (const rel of matching) write(a, rel);
  for (let i = 0; i < 100; i++) write(a, `other/page${i}.html`);
  const run = await sync(a);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  for (const name of ["beta", "gamma"]) {
    const node = c.nodes[name]!;
    for (const rel of matching) assert.equal(readFileSync(join(node.root, rel), "utf8"), `${rel}\n`, `${name}: ${rel}`);
    const got = runs(name, "conf");
    assert.equal(got.length, 1, `${name}: one run, got ${got.length}`);
    const want = matching.map((rel) => join(node.root, rel)).sort();
    assert.deepEqual([...got[0]!.args].sort(), want, `${name}: the 50 local paths as arguments`);
    assert.equal(got[0]!.files, got[0]!.args.join("\n"), `${name}: PEERSYNC_FILES lists the same paths`);
    assert.equal(got[0]!.group, "g");
  }
  assert.equal(runs("alpha", "conf").length, 0, "no do-local: the sender runs nothing");
  for (const n of NAMES) for (const tag of ["fail", "both", "sender"]) assert.equal(runs(n, tag).length, 0, `${n}: ${tag} did not run`);
  assert.equal(existsSync(pwned), false, "a file name never becomes shell text");
  assert.match(readFileSync(logs.record, "utf8"), /peersync: group "g" runs: .*record\.sh conf %% \(50 files\)/);
});

test("only non-matching changes: no action runs anywhere", async () => {
  const a = c.nodes.alpha!;
  const before = NAMES.map((n) => readdirSync(out[n]!).length);
  for (let i = 0; i < 5; i++) write(a, `other/more${i}.html`);
  const run = await sync(a);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.deepEqual(NAMES.map((n) => readdirSync(out[n]!).length), before);
});

test("a failing and a timed-out action are logged and reported (exit 7, status), and the files still sync", async () => {
  const a = c.nodes.alpha!;
  write(a, "fail/x");
  write(a, "slow/y");
  const run = await sync(a);
  assert.equal(run.code, 7, `ACTION_FAILED; ${run.stderr}${run.stdout}`);
  for (const name of ["beta", "gamma"]) {
    const node = c.nodes[name]!;
    assert.equal(readFileSync(join(node.root, "fail/x"), "utf8"), "fail/x\n");
    assert.equal(readFileSync(join(node.root, "slow/y"), "utf8"), "slow/y\n");
    assert.deepEqual(runs(name, "fail").map((r) => r.args), [[join(node.root, "fail/x")]]);
  }
  const failLog = readFileSync(logs.fail, "utf8");
  assert.equal(failLog.match(/peersync: group "g" runs: .* \(1 files\)/g)?.length, 2, failLog);
  assert.equal(failLog.match(/peersync: action exited with code 3 after \d+ ms/g)?.length, 2, failLog);
  const slowLog = readFileSync(logs.slow, "utf8");
  assert.equal(slowLog.match(/peersync: group "g" runs: sleep 30 \(1 files\)/g)?.length, 2, slowLog);
  assert.equal(slowLog.match(/peersync: action timed out after 1000 ms; process group killed/g)?.length, 2, slowLog);
  // The receivers' daemons logged the failures and count them in `peersync status`.
  await c.nodes.beta!.daemon!.waitForLog((r) => typeof r.msg === "string" && r.msg.startsWith("Action failed") && r["timedOut"] === true);
  const status = await c.nodes.beta!.run(["status", "--json", "--no-probe"]);
  assert.equal(status.code, 0, status.stderr);
  const actions = JSON.parse(status.stdout).actions;
  assert.equal(actions.failed, 2, status.stdout);
  assert.equal(actions.timedOut, 1, status.stdout);
  assert.equal(actions.queued, 0, status.stdout);
  assert.ok(actions.runs >= 3, status.stdout);
  assert.match(actions.lastFailure.message, /exited with code 3|timed out/);
  const text = await c.nodes.beta!.run(["status", "--no-probe"]);
  assert.match(text.stdout, /actions: 0 queued, \d+ run\(s\), 2 FAILED \(1 timed out\)/);
});

test("do-local runs on the receivers and on the sender after its push; do-local-only only on the sender", async () => {
  const a = c.nodes.alpha!;
  write(a, "both/b1");
  write(a, "sender/s1");
  const run = await sync(a);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  for (const n of NAMES) {
    const root = c.nodes[n]!.root;
    assert.deepEqual(runs(n, "both").map((r) => r.args), [[join(root, "both/b1")]], `${n}: do-local`);
    assert.equal(readFileSync(join(root, "sender/s1"), "utf8"), "sender/s1\n");
  }
  assert.deepEqual(runs("alpha", "sender").map((r) => r.args), [[join(a.root, "sender/s1")]]);
  assert.equal(runs("beta", "sender").length, 0, "do-local-only never runs on a receiver");
  assert.equal(runs("gamma", "sender").length, 0, "do-local-only never runs on a receiver");
});

test("daemon mode debounces: two syncs into one receiver within its debounce → one run with both paths", async () => {
  const a = c.nodes.alpha!;
  const g = c.nodes.gamma!;
  const before = runs("beta", "conf").length;
  write(a, "conf/burst-a");
  write(g, "conf/burst-g");
  const [ra, rg] = await Promise.all([sync(a, ["-P", "beta"]), sync(g, ["-P", "beta"])]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rg.code, 0, rg.stderr);
  const after = runs("beta", "conf").slice(before);
  assert.equal(after.length, 1, `one run for the burst, got ${JSON.stringify(after.map((r) => r.args))}`);
  assert.deepEqual([...after[0]!.args].sort(), [join(c.nodes.beta!.root, "conf/burst-a"), join(c.nodes.beta!.root, "conf/burst-g")]);
});

test("kill -9 between apply and action: the action runs once after the restart, with the right paths", async () => {
  const a = c.nodes.alpha!;
  const b = c.nodes.beta!;
  await b.stop();
  await startNode(b, { PEERSYNC_TEST_DELAY_ACTIONS_MS: "60000" });
  const before = runs("beta", "conf").length;
  write(a, "conf/crash");
  const syncing = sync(a, ["-P", "beta"]);
  await b.daemon!.waitForLog(/PEERSYNC_TEST_DELAY_ACTIONS_MS/, 20_000);
  assert.equal(readFileSync(join(b.root, "conf/crash"), "utf8"), "conf/crash\n", "applied before the kill");
  b.daemon!.signal("SIGKILL");
  await b.daemon!.exited;
  b.daemon = undefined;
  await syncing; // whatever it says about a peer killed mid-batch-end
  assert.equal(runs("beta", "conf").length, before, "not run before the kill");
  await startNode(b);
  await until("the action after restart", () => runs("beta", "conf").length > before);
  await new Promise((r) => setTimeout(r, 500));
  const after = runs("beta", "conf").slice(before);
  assert.deepEqual(after.map((r) => r.args), [[join(b.root, "conf/crash")]], "exactly once, local path");
  const status = await b.run(["status", "--json", "--no-probe"]);
  assert.equal(JSON.parse(status.stdout).actions.queued, 0, status.stdout);
});

test("the pusher killed between the puts and batch-end: the receiver still runs the action once for what it applied", async () => {
  const a = c.nodes.alpha!;
  const b = c.nodes.beta!;
  const mark = b.daemon!.mark();
  const before = runs("beta", "conf").length;
  for (let i = 0; i < 150; i++) write(a, `conf/cut${i}`);
  // One file per put-batch, so the kill lands between files rather than after one batch of all.
  const child = spawn(process.execPath, [PEERSYNC_BIN, "-N", "alpha", "--config", c.configFile, "--state-dir", a.state, "--peers", "beta", "sync"], {
    env: { ...process.env, ...envOf("alpha"), PEERSYNC_PUT_BATCH_FILES: "1" }, stdio: "ignore",
  });
  const exited = new Promise((r) => child.once("close", r));
  await b.daemon!.waitForLog((r) => typeof r.msg === "string" && r.msg.startsWith("received %data%/conf/cut"), 20_000);
  child.kill("SIGKILL");
  await exited;
  await b.daemon!.waitForLog(/session ended before batch-end/, 20_000);
  await until("the owed action", () => runs("beta", "conf").length > before);
  await new Promise((r) => setTimeout(r, 500));
  const received = b.daemon!.logsSince(mark)
    .map((r) => /^received (%data%\/conf\/cut\d+) /.exec(String(r.msg))?.[1])
    .filter((p): p is string => p !== undefined)
    .map((p) => join(b.root, p.slice("%data%/".length)));
  assert.ok(received.length > 0 && received.length < 150, `cut mid-batch: ${received.length} received`);
  const after = runs("beta", "conf").slice(before);
  assert.equal(after.length, 1, "one run");
  assert.deepEqual([...after[0]!.args].sort(), [...received].sort());
});
