// Real /bin/sh processes through ActionRunner and ActionDispatcher: the 50-of-150 batch, hostile
// file names, failure, timeout with a grandchild, coalescing, and the durable queue across a
// "crash" (closing and reopening the index).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ActionDispatcher, type ActionConfig } from "../../src/actions/dispatcher.js";
import { ActionRunner, type ActionLogger } from "../../src/actions/runner.js";
import type { Action } from "../../src/config/types.js";
import { ActionQueue } from "../../src/index/action-queue.js";
import { openIndex } from "../../src/index/database.js";

const dir = mkdtempSync(join(tmpdir(), "peersync-actions-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
/** A fresh file name in the test dir (no shell-special characters: it goes into exec text). */
const file = (name: string): string => join(dir, `${++seq}-${name}`);

const lines: string[] = [];
const logger: ActionLogger = {
  info: (_f, m) => void lines.push(`info ${m}`),
  warn: (_f, m) => void lines.push(`warn ${m}`),
  error: (_f, m) => void lines.push(`error ${m}`),
};

function act(exec: string, more: Partial<Action> = {}): Action {
  return { patterns: [], exec, logfile: "/dev/null", doLocal: false, doLocalOnly: false, timeoutMs: 5000, at: { file: "t", line: 1, column: 1 }, ...more };
}

function config(actions: readonly Action[]): ActionConfig {
  return {
    groups: [{ name: "web", actions, debounceMs: 0 }],
    prefixes: new Map([["www", join(dir, "www")]]),
    toLocalPath: (p) => p.replace(/^%www%/, join(dir, "www")),
  };
}

/** The arguments a script recorded with printf '%s\0' "$@". */
function recordedArgs(path: string): string[] {
  return readFileSync(path, "utf8").split("\0").slice(0, -1);
}

/** Exec text that records its arguments NUL-separated and counts its runs. */
function recorder(args: string, runs: string): string {
  return `echo run >> ${runs}; printf '%s\\0' %% >> ${args}`;
}

test("a batch of 50 matching and 100 other paths runs the action once with the 50 local paths as arguments", async () => {
  const [args, runs] = [file("args"), file("runs")];
  const runner = new ActionRunner({ logger });
  const db = openIndex(file("state"));
  const dispatcher = new ActionDispatcher({
    config: config([act(recorder(args, runs), { patterns: ["%www%/conf"] }), act(`touch ${file("never")}`, { patterns: ["/never"] })]),
    queue: new ActionQueue(db),
    runner,
    logger,
  });
  const matching = Array.from({ length: 50 }, (_, i) => `%www%/conf/site ${i}.conf`);
  const other = Array.from({ length: 100 }, (_, i) => `%www%/html/page${i}.html`);
  const results = await dispatcher.afterBatch({ group: "web", changedPaths: [...other.slice(0, 50), ...matching, ...other.slice(50)], side: "receiver" });
  assert.equal(results.length, 1);
  assert.equal(results[0]?.ok, true);
  assert.equal(readFileSync(runs, "utf8"), "run\n");
  assert.deepEqual(recordedArgs(args), matching.map((p) => p.replace("%www%", join(dir, "www"))));
  assert.equal(new ActionQueue(db).count(), 0);
  db.close();
});

test("hostile file names arrive intact as arguments and in PEERSYNC_FILES, and execute nothing", async () => {
  const [args, env, group] = [file("args"), file("env"), file("group")];
  const pwned = [file("pwned-a"), file("pwned-b"), file("pwned-c"), file("pwned-d")];
  const names = [
    "/srv/a b  c",
    `/srv/it's "quoted"`,
    `/srv/x;touch ${pwned[0]}`,
    `/srv/$(touch ${pwned[1]})`,
    `/srv/\`touch ${pwned[2]}\``,
    `/srv/new\nline | touch ${pwned[3]}`,
    "/srv/$(touch /tmp/pwned)",
    "/srv/%% and $@ and $1",
    "/srv/*",
    "-n",
  ];
  const tmpPwnedBefore = existsSync("/tmp/pwned");
  const runner = new ActionRunner({ logger });
  const exec = `printf '%s\\0' %% > ${args}; printf '%s' "$PEERSYNC_FILES" > ${env}; printf '%s' "$PEERSYNC_GROUP" > ${group}`;
  const result = await runner.run("web", act(exec), names);
  assert.equal(result.ok, true, result.error);
  assert.deepEqual(recordedArgs(args), names);
  assert.equal(readFileSync(env, "utf8"), names.join("\n"));
  assert.equal(readFileSync(group, "utf8"), "web");
  for (const p of pwned) assert.equal(existsSync(p), false, `${p} was created: a name ran as code`);
  if (!tmpPwnedBefore) assert.equal(existsSync("/tmp/pwned"), false, "/tmp/pwned was created");
});

test("a failing action is logged with a timestamped header, counted and reported, and other actions still run", async () => {
  const [log, ok] = [file("fail.log"), file("ok")];
  const runner = new ActionRunner({ logger });
  const dispatcher = new ActionDispatcher({
    config: config([act("echo to-stdout; echo to-stderr >&2; exit 3", { logfile: log }), act(`touch ${ok}`)]),
    queue: new ActionQueue(openIndex(file("state"))),
    runner,
    logger,
  });
  const results = await dispatcher.afterBatch({ group: "web", changedPaths: ["/x"], side: "receiver" });
  const failed = results.find((r) => !r.ok);
  assert.equal(results.length, 2);
  assert.equal(failed?.exitCode, 3);
  assert.equal(failed?.timedOut, false);
  assert.equal(existsSync(ok), true, "the other action ran");
  const text = readFileSync(log, "utf8");
  assert.match(text, /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] peersync: group "web" runs: echo to-stdout.*\(1 files\)\n/);
  assert.match(text, /\nto-stdout\nto-stderr\n/);
  assert.match(text, /exited with code 3/);
  assert.deepEqual(runner.stats, { runs: 2, failed: 1, timedOut: 0 });
  assert.ok(lines.some((l) => l.startsWith("error Action failed")));
});

/** True once `pid` is gone (or a zombie nobody reaped yet: it runs nothing any more). */
async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (/^\d+ \(.*\) Z /.test(stat)) return true;
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const timeoutCases = [
  { name: "SIGTERM to the group", trap: "", wantSignal: "SIGTERM" },
  { name: "SIGKILL after the grace when the group ignores SIGTERM", trap: "trap '' TERM; ", wantSignal: "SIGKILL" },
] as const;

for (const c of timeoutCases) {
  test(`a timed-out action has its whole process group killed, grandchild included (${c.name})`, async () => {
    const [pidFile, log] = [file("grandchild.pid"), file("timeout.log")];
    const runner = new ActionRunner({ logger, killGraceMs: 300 });
    const started = Date.now();
    const result = await runner.run("web", act(`${c.trap}sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 300, logfile: log }), ["/x"]);
    assert.equal(result.timedOut, true);
    assert.equal(result.ok, false);
    assert.equal(result.signal, c.wantSignal);
    assert.match(result.error ?? "", /timed out after 300 ms/);
    assert.ok(Date.now() - started < 3000, "the timeout did not hold the run");
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    assert.ok(grandchild > 0);
    assert.equal(await gone(grandchild, 2000), true, "the grandchild sleep survived");
    assert.match(readFileSync(log, "utf8"), /timed out after 300 ms; process group killed/);
    assert.deepEqual(runner.stats, { runs: 1, failed: 1, timedOut: 1 });
  });
}

test("terminate() ends a running action's whole process group at once, grandchild included, and resolves when it is gone", async () => {
  const pidFile = file("terminated.pid");
  const runner = new ActionRunner({ logger, killGraceMs: 300 });
  const run = runner.run("web", act(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 60_000 }), ["/x"]);
  while (!existsSync(pidFile) || readFileSync(pidFile, "utf8") === "") await new Promise((r) => setTimeout(r, 20));
  const started = Date.now();
  await runner.terminate();
  assert.ok(Date.now() - started < 2000, "terminate() does not wait for the action's own end");
  const result = await run;
  assert.equal(result.ok, false);
  assert.equal(result.signal, "SIGTERM");
  assert.equal(await gone(Number(readFileSync(pidFile, "utf8")), 2000), true, "the grandchild sleep survived");
  await runner.terminate(); // nothing running: resolves at once
});

test("triggers during a run coalesce into one more run, and runs never overlap", async () => {
  const [args, trace] = [file("args"), file("trace")];
  const runner = new ActionRunner({ logger });
  const dispatcher = new ActionDispatcher({
    config: config([act(`echo start >> ${trace}; printf '%s\\0' %% >> ${args}; sleep 0.2; echo end >> ${trace}`)]),
    queue: new ActionQueue(openIndex(file("state"))),
    runner,
    logger,
  });
  const first = dispatcher.afterBatch({ group: "web", changedPaths: ["/a"], side: "receiver" });
  await new Promise((r) => setTimeout(r, 50));
  const more = [["/b"], ["/c", "/b"], ["/d"]].map((changedPaths) => dispatcher.afterBatch({ group: "web", changedPaths, side: "receiver" }));
  await Promise.all([first, ...more]);
  assert.equal(readFileSync(trace, "utf8"), "start\nend\nstart\nend\n");
  assert.deepEqual(recordedArgs(args), ["/a", "/b", "/c", "/d"]);
});

test("an action queued just before a crash runs once after the restart, then is gone", async () => {
  const [state, runs, args] = [file("state"), file("runs"), file("args")];
  const actions = [act(recorder(args, runs), { patterns: ["/etc/nginx"] })];
  const runner = new ActionRunner({ logger });

  const before = openIndex(state);
  const dying = new ActionDispatcher({ config: config(actions), queue: new ActionQueue(before), runner, logger });
  const applyBatch = before.transaction(() => dying.enqueueBatch({ group: "web", changedPaths: ["/etc/nginx/a b.conf"], side: "receiver" }));
  applyBatch();
  before.close(); // killed before the action ran

  const reopened = openIndex(state);
  const queue = new ActionQueue(reopened);
  assert.equal(queue.count(), 1, "the queued action survived the restart");
  const restarted = new ActionDispatcher({ config: config(actions), queue, runner, logger });
  const results = await restarted.runPending();
  assert.equal(results.length, 1);
  assert.deepEqual(recordedArgs(args), ["/etc/nginx/a b.conf"]);
  assert.equal(queue.count(), 0);
  assert.deepEqual(await restarted.runPending(), []);
  assert.equal(readFileSync(runs, "utf8"), "run\n", "ran exactly once");
  reopened.close();
});

test("an action whose logfile cannot be opened still runs, output discarded", async () => {
  const marker = file("ran");
  writeFileSync(file("unused"), "");
  const runner = new ActionRunner({ logger });
  const result = await runner.run("web", act(`touch ${marker}`, { logfile: join(dir, "missing-dir", "x.log") }), []);
  assert.equal(result.ok, true);
  assert.equal(existsSync(marker), true);
  assert.ok(lines.some((l) => l.includes("Cannot open action logfile")));
});
