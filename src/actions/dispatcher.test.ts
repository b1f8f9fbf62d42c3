import assert from "node:assert/strict";
import { test } from "node:test";
import type { Action } from "../config/types.js";
import { actionIdOf } from "../core/action-match.js";
import type { QueuedAction } from "../index/action-queue.js";
import type { Timers } from "./debouncer.js";
import { ActionDispatcher, testDelayFromEnv, type ActionConfig, type ActionQueueStore } from "./dispatcher.js";
import type { ActionLogger, ActionResult } from "./runner.js";

function act(exec: string, patterns: readonly string[], more: Partial<Action> = {}): Action {
  return { patterns, exec, logfile: "/dev/null", doLocal: false, doLocalOnly: false, timeoutMs: 1000, at: { file: "t", line: 1, column: 1 }, ...more };
}

function config(actions: readonly Action[], debounceMs = 0): ActionConfig {
  const prefixes = new Map([["www", "/srv/www"]]);
  return {
    groups: [{ name: "web", actions, debounceMs }],
    prefixes,
    toLocalPath: (p) => {
      const m = /^%([^%]+)%(.*)$/.exec(p);
      if (!m) return p;
      const dir = prefixes.get(m[1] as string);
      if (dir === undefined) throw new Error(`no prefix ${m[1]}`);
      return dir + (m[2] as string);
    },
  };
}

class MemoryQueue implements ActionQueueStore {
  rows: QueuedAction[] = [];
  #id = 0;
  failEnqueue = false;
  enqueue(group: string, actionId: string, paths: readonly string[]): number {
    if (this.failEnqueue) throw new Error("disk I/O error");
    this.rows.push({ id: ++this.#id, group, actionId, paths: [...paths], enqueuedAt: 0 });
    return this.#id;
  }
  pending(group?: string): QueuedAction[] {
    return this.rows.filter((r) => group === undefined || r.group === group);
  }
  markDone(ids: readonly number[]): void {
    this.rows = this.rows.filter((r) => !ids.includes(r.id));
  }
}

/** Records runs; each run waits for release() when gated. */
class FakeRunner {
  runs: { exec: string; paths: readonly string[] }[] = [];
  gated = false;
  #gates: (() => void)[] = [];
  async run(group: string, action: Action, paths: readonly string[]): Promise<ActionResult> {
    this.runs.push({ exec: action.exec, paths });
    if (this.gated) await new Promise<void>((r) => this.#gates.push(r));
    return { group, action, paths, ok: true, exitCode: 0, signal: null, timedOut: false, durationMs: 1, logfile: action.logfile, error: undefined };
  }
  async release(): Promise<void> {
    while (this.#gates.length === 0) await new Promise((r) => setImmediate(r));
    this.#gates.shift()?.();
  }
  terminated = 0;
  /** As ActionRunner.terminate(): every gated run ends now. */
  async terminate(): Promise<void> {
    this.terminated++;
    for (const open of this.#gates.splice(0)) open();
  }
}

const logs: string[] = [];
const logger: ActionLogger = {
  info: () => undefined,
  warn: (_f, m) => void logs.push(`warn ${m}`),
  error: (_f, m) => void logs.push(`error ${m}`),
};

function setup(actions: readonly Action[], options: { debounceMs?: number; timers?: Timers; now?: () => number } = {}) {
  const queue = new MemoryQueue();
  const runner = new FakeRunner();
  const dispatcher = new ActionDispatcher({
    config: config(actions, options.debounceMs),
    queue,
    runner,
    logger,
    debounce: options.timers !== undefined,
    ...(options.timers && { timers: options.timers }),
    ...(options.now && { now: options.now }),
  });
  return { queue, runner, dispatcher };
}

test("afterBatch() runs a matching action once with the local paths of its matches, then clears the queue", async () => {
  const { queue, runner, dispatcher } = setup([act("reload", ["%www%/conf"]), act("never", ["/nothing"])]);
  const matching = Array.from({ length: 50 }, (_, i) => `%www%/conf/site${i}`);
  const other = Array.from({ length: 100 }, (_, i) => `%www%/html/page${i}`);
  const results = await dispatcher.afterBatch({ group: "web", changedPaths: [...other, ...matching], side: "receiver" });
  assert.equal(results.length, 1);
  assert.deepEqual(runner.runs, [{ exec: "reload", paths: matching.map((p) => p.replace("%www%", "/srv/www")) }]);
  assert.deepEqual(queue.rows, []);
});

test("afterBatch() applies do-local and do-local-only on each side", async () => {
  const actions = [act("recv", []), act("both", [], { doLocal: true }), act("send", [], { doLocalOnly: true })];
  for (const [side, want] of [["receiver", ["recv", "both"]], ["sender", ["both", "send"]]] as const) {
    const { runner, dispatcher } = setup(actions);
    await dispatcher.afterBatch({ group: "web", changedPaths: ["/x"], side });
    assert.deepEqual(runner.runs.map((r) => r.exec).sort(), [...want].sort(), side);
  }
});

test("a trigger during a run queues one more run with the coalesced paths", async () => {
  const { queue, runner, dispatcher } = setup([act("reload", [])]);
  runner.gated = true;
  const first = dispatcher.afterBatch({ group: "web", changedPaths: ["/a"], side: "receiver" });
  const second = dispatcher.afterBatch({ group: "web", changedPaths: ["/b", "/a"], side: "receiver" });
  const third = dispatcher.afterBatch({ group: "web", changedPaths: ["/c"], side: "receiver" });
  await runner.release();
  await runner.release();
  await Promise.all([first, second, third]);
  assert.deepEqual(runner.runs.map((r) => r.paths), [["/a"], ["/b", "/a", "/c"]]);
  assert.deepEqual(queue.rows, []);
});

test("runPending() after a restart runs leftover rows once, then they are gone", async () => {
  const reload = act("reload", ["/etc/nginx"]);
  const { queue, runner, dispatcher } = setup([reload]);
  dispatcher.enqueueBatch({ group: "web", changedPaths: ["/etc/nginx/a"], side: "receiver" });
  dispatcher.enqueueBatch({ group: "web", changedPaths: ["/etc/nginx/b"], side: "receiver" });
  assert.equal(queue.rows.length, 2);
  const results = await dispatcher.runPending();
  assert.equal(results.length, 1, "two leftover rows of one action are one run");
  assert.deepEqual(runner.runs, [{ exec: "reload", paths: ["/etc/nginx/a", "/etc/nginx/b"] }]);
  assert.deepEqual(await dispatcher.runPending(), []);
});

test("stop() ends the runs still going and leaves their rows queued, so the next start runs them once", async () => {
  const reload = act("reload", ["/etc/nginx"]);
  const { queue, runner, dispatcher } = setup([reload]);
  runner.gated = true;
  dispatcher.enqueueBatch({ group: "web", changedPaths: ["/etc/nginx/a"], side: "receiver" });
  const running = dispatcher.runPending();
  while (runner.runs.length === 0) await new Promise((r) => setImmediate(r));
  await dispatcher.stop();
  assert.equal(runner.terminated, 1);
  await running;
  assert.equal(queue.rows.length, 1, "still queued");
  assert.ok(logs.includes("warn action ended at shutdown: it stays queued and runs again at the next start"), logs.join("\n"));
  // The next start: a new dispatcher on the same queue runs it once.
  const next = new ActionDispatcher({ config: config([reload]), queue, runner: new FakeRunner(), logger, debounce: false });
  assert.equal((await next.runPending()).length, 1);
  assert.equal(queue.rows.length, 0);
});

test("runPending() drops rows of an action the config no longer has", async () => {
  const { queue, runner, dispatcher } = setup([act("reload", [])]);
  queue.enqueue("web", "a0000000000000000", ["/x"]);
  assert.deepEqual(await dispatcher.runPending(), []);
  assert.equal(runner.runs.length, 0);
  assert.deepEqual(queue.rows, []);
  assert.ok(logs.some((l) => l.includes("no longer in the config")));
});

test("afterBatch() still runs the action when the queue cannot record it", async () => {
  const { queue, runner, dispatcher } = setup([act("reload", [])]);
  queue.failEnqueue = true;
  const results = await dispatcher.afterBatch({ group: "web", changedPaths: ["/x"], side: "receiver" });
  assert.equal(results.length, 1);
  assert.equal(runner.runs.length, 1);
  assert.ok(logs.some((l) => l.includes("Cannot queue actions durably")));
});

test("afterBatch() leaves out a path whose prefix this node does not define, and still runs", async () => {
  const { runner, dispatcher } = setup([act("reload", [])]);
  await dispatcher.afterBatch({ group: "web", changedPaths: ["%nope%/x", "/y"], side: "receiver" });
  assert.deepEqual(runner.runs, [{ exec: "reload", paths: ["/y"] }]);
});

test("in daemon mode a burst of batches within the debounce is one run", async () => {
  let now = 0;
  const pending: { at: number; fn: () => void }[] = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn };
      pending.push(t);
      return t;
    },
    clearTimeout: (t) => void pending.splice(pending.indexOf(t as (typeof pending)[number]) >>> 0, 1),
  };
  const { runner, dispatcher } = setup([act("reload", [])], { debounceMs: 200, timers, now: () => now });
  const batches = ["/a", "/b", "/c"].map((p) => {
    now += 50;
    return dispatcher.afterBatch({ group: "web", changedPaths: [p], side: "receiver" });
  });
  assert.equal(runner.runs.length, 0, "nothing runs during the burst");
  assert.equal(pending.length, 1);
  now += 200;
  pending.shift()?.fn();
  const results = await Promise.all(batches);
  assert.deepEqual(runner.runs, [{ exec: "reload", paths: ["/a", "/b", "/c"] }]);
  assert.ok(results.every((r) => r.length === 1));
});

test("drain() fires debounced groups and waits for their runs", async () => {
  const timers: Timers = { setTimeout: () => 0, clearTimeout: () => undefined };
  const { runner, dispatcher } = setup([act("reload", [])], { debounceMs: 10_000, timers, now: () => 0 });
  void dispatcher.afterBatch({ group: "web", changedPaths: ["/a"], side: "receiver" });
  await dispatcher.drain();
  assert.equal(runner.runs.length, 1);
});

test("onResult hears every finished run, after its rows left the queue; a throwing onResult changes nothing", async () => {
  const queue = new MemoryQueue();
  const runner = new FakeRunner();
  const heard: { paths: readonly string[]; queued: number }[] = [];
  const d = new ActionDispatcher({
    config: config([act("reload", ["%www%"])]), queue, runner, logger, startDelayMs: 0,
    onResult: (r) => {
      heard.push({ paths: r.paths, queued: queue.rows.length });
      throw new Error("status store is gone");
    },
  });
  const results = await d.afterBatch({ group: "web", changedPaths: ["%www%/a"], side: "receiver" });
  assert.equal(results.length, 1);
  assert.deepEqual(heard, [{ paths: ["/srv/www/a"], queued: 0 }]);
});

test("startDelayMs (the PEERSYNC_TEST_DELAY_ACTIONS_MS hook) holds a run's start while its row stays queued", async () => {
  const queue = new MemoryQueue();
  const runner = new FakeRunner();
  const d = new ActionDispatcher({ config: config([act("reload", ["%www%"])]), queue, runner, logger, startDelayMs: 80 });
  const done = d.afterBatch({ group: "web", changedPaths: ["%www%/a"], side: "receiver" });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(runner.runs.length, 0, "not started yet");
  assert.equal(queue.rows.length, 1, "still owed: a crash now runs it at the next start");
  await done;
  assert.equal(runner.runs.length, 1);
  assert.equal(queue.rows.length, 0);
});

test("testDelayFromEnv() reads PEERSYNC_TEST_DELAY_ACTIONS_MS; anything but a positive integer is 0", () => {
  assert.equal(testDelayFromEnv({}), 0);
  assert.equal(testDelayFromEnv({ PEERSYNC_TEST_DELAY_ACTIONS_MS: "1500" }), 1500);
  for (const bad of ["", "x", "-5", "1.5"]) assert.equal(testDelayFromEnv({ PEERSYNC_TEST_DELAY_ACTIONS_MS: bad }), 0, bad);
});

test("runQueued() runs what enqueueBatch() queued earlier, debounced, once for several batches; [] at once when nothing waits", async () => {
  const real: Timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  const { queue, runner, dispatcher } = setup([act("reload", ["%www%"])], { debounceMs: 20, timers: real });
  assert.deepEqual(await dispatcher.runQueued("web"), []);
  dispatcher.enqueueBatch({ group: "web", changedPaths: ["%www%/a"], side: "receiver" });
  dispatcher.enqueueBatch({ group: "web", changedPaths: ["%www%/b"], side: "receiver" });
  const [one, two] = await Promise.all([dispatcher.runQueued("web"), dispatcher.runQueued("web")]);
  assert.equal(runner.runs.length, 1);
  assert.deepEqual(runner.runs[0]?.paths, ["/srv/www/a", "/srv/www/b"]);
  assert.equal(one?.length, 1);
  assert.equal(two?.length, 1);
  assert.equal(queue.rows.length, 0);
});

test("one-shot afterBatch() runs only its own rows: another dispatcher's queued rows (a daemon's) are left to it", async () => {
  const { queue, runner, dispatcher } = setup([act("reload", ["%www%"])]);
  queue.enqueue("web", actionIdOf(act("reload", ["%www%"])), ["%www%/daemons"]);
  await dispatcher.afterBatch({ group: "web", changedPaths: ["%www%/mine"], side: "receiver" });
  assert.deepEqual(runner.runs.map((r) => r.paths), [["/srv/www/mine"]]);
  assert.deepEqual(queue.rows.map((r) => r.paths), [["%www%/daemons"]]);
});
