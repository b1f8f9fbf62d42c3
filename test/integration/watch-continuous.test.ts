// The continuous loop on real trees with the real watcher and the real check: what gets pushed,
// when, and that nothing written during a check is lost. `push` is a recording fake until the
// sync engine provides the real one.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCheck } from "../../src/index/check-run.js";
import { EntryStore } from "../../src/index/entries.js";
import { PendingStore } from "../../src/index/pending.js";
import { Metrics } from "../../src/metrics/metrics.js";
import { readDaemonFacts, StatusBoard } from "../../src/status/board.js";
import { startContinuous, type CheckFn } from "../../src/watch/continuous.js";
import { realTimers } from "../../src/watch/timers.js";
import { REWATCH_DELAY_MS } from "../../src/watch/watcher.js";
import { capturedLogger, recordingPush, sleep, waitFor, watchFixture } from "../helpers/watch.js";

test("continuous: the initial full check pushes what exists, then each change is pushed within a second", async () => {
  const fx = watchFixture("cont-basic");
  writeFileSync(join(fx.root, "old.txt"), "old");
  const { push, calls, pushed } = recordingPush();
  const metrics = new Metrics({ processMetrics: false });
  const board = new StatusBoard({ timers: realTimers, db: fx.db });
  const c = startContinuous({ config: fx.config, db: fx.db, logger: capturedLogger().logger, push, metrics, board });
  try {
    await c.ready;
    assert.deepEqual(calls.map((x) => x.paths), [["%www%", "%www%/old.txt"]]);
    const t0 = Date.now();
    writeFileSync(join(fx.root, "new.txt"), "new");
    assert.ok(await waitFor(() => pushed().has("%www%/new.txt"), 3000), "new file pushed");
    const latency = Date.now() - t0;
    // A directory made with files in it at once: the files are found by a recursive check.
    mkdirSync(join(fx.root, "d/e"), { recursive: true });
    writeFileSync(join(fx.root, "d/e/deep.txt"), "deep");
    assert.ok(await waitFor(() => pushed().has("%www%/d/e/deep.txt"), 3000), "a file in a new subtree is pushed");
    // Deletions travel too, a whole subtree at once included.
    const mark = calls.length;
    unlinkSync(join(fx.root, "new.txt"));
    rmSync(join(fx.root, "d"), { recursive: true });
    const since = () => new Set(calls.slice(mark).flatMap((x) => x.paths));
    assert.ok(await waitFor(() => ["%www%/new.txt", "%www%/d", "%www%/d/e", "%www%/d/e/deep.txt"].every((p) => since().has(p)), 3000),
      `deletions pushed: ${[...since()].join(" ")}`);
    writeFileSync(join(fx.root, "junk.tmp"), "x");
    await sleep(400);
    assert.ok(!pushed().has("%www%/junk.tmp"), "excluded files are never pushed");
    console.log(`# change → push latency with debounce 100 ms: ${latency} ms`);
    assert.ok(latency < 1500, `${latency} ms from write to push`);
    assert.match(await metrics.text(), /^peersync_rescans_total\{reason="start"\} 1$/m);
  } finally {
    await c.stop();
  }
  const facts = readDaemonFacts(fx.db);
  assert.equal(facts?.watch[0]?.state, "stopped");
  // The mkdir -p of d/e makes the watcher watch the root again after a full check (watcher.ts).
  assert.match(facts?.lastFullCheck?.reason ?? "", /^(start|watcher: rewatch)$/);
  fx.cleanup();
});

test("continuous: changes below a directory an exclude line drops are never pushed", async () => {
  const fx = watchFixture("cont-excluded-dir");
  // `*.tmp` drops cache.tmp, so no walk enters it. The watcher reports what changes inside by
  // its own name, which alone no exclude line matches.
  mkdirSync(join(fx.root, "cache.tmp"));
  writeFileSync(join(fx.root, "cache.tmp/inner.txt"), "old");
  const { push, pushed } = recordingPush();
  const c = startContinuous({ config: fx.config, db: fx.db, logger: capturedLogger().logger, push });
  try {
    await c.ready;
    writeFileSync(join(fx.root, "cache.tmp/inner.txt"), "changed");
    writeFileSync(join(fx.root, "cache.tmp/new.txt"), "new");
    writeFileSync(join(fx.root, "after.txt"), "after");
    assert.ok(await waitFor(() => pushed().has("%www%/after.txt"), 3000), "a change written after them is pushed");
    await sleep(300);
    assert.deepEqual([...pushed()].filter((p) => p.includes("cache.tmp")), [], "nothing below the excluded directory is pushed");
    assert.deepEqual([...new EntryStore(fx.db).all()].map((e) => e.path).filter((p) => p.includes("cache.tmp")), [], "nor recorded");
  } finally {
    await c.stop();
  }
  fx.cleanup();
});

test("continuous: files written during a slow initial check are buffered and pushed afterwards (lsyncd #226)", async () => {
  const fx = watchFixture("cont-slow");
  writeFileSync(join(fx.root, "before.txt"), "x");
  let first = true;
  const slowCheck: CheckFn = async (db, config, options) => {
    const summary = await runCheck(db, config, options);
    if (first) {
      first = false;
      // The walk is over: these writes are not in its result, only in the watcher's events.
      for (let i = 0; i < 50; i++) writeFileSync(join(fx.root, `during-${i}.txt`), String(i));
      await sleep(600);
    }
    return summary;
  };
  const { push, pushed } = recordingPush();
  const c = startContinuous({ config: fx.config, db: fx.db, logger: capturedLogger().logger, push, check: slowCheck });
  try {
    await c.ready;
    assert.ok(!pushed().has("%www%/during-0.txt"), "not part of the initial check");
    const all = () => Array.from({ length: 50 }, (_, i) => `%www%/during-${i}.txt`).every((p) => pushed().has(p));
    assert.ok(await waitFor(all, 2000), "every file written during the check is pushed after it");
  } finally {
    await c.stop();
    fx.cleanup();
  }
});

test("continuous: a file appended without pause is pushed at most once per debounce window, never torn", async () => {
  const fx = watchFixture("cont-log", "debounce 200ms;");
  const log = join(fx.root, "app.log");
  writeFileSync(log, "");
  const entries = new EntryStore(fx.db);
  const seen: { atMs: number; size: number; hash: string | undefined }[] = [];
  const { push } = recordingPush((call) => {
    if (!call.paths.includes("%www%/app.log")) return;
    const r = entries.get("g", "%www%/app.log");
    if (r) seen.push({ atMs: call.atMs, size: r.size, hash: r.hash });
  });
  const c = startContinuous({ config: fx.config, db: fx.db, logger: capturedLogger().logger, push, maxDelayMs: 1000 });
  await c.ready;
  seen.length = 0;
  // NOTE: @parcel/watcher delivers a busy path's events at most every 500 ms, so the pushes come
  // about that often here, above the 200 ms window; the assertion is the window.
  const line = `${"x".repeat(200)}\n`;
  const end = Date.now() + 3500;
  while (Date.now() < end) {
    appendFileSync(log, line);
    await sleep(2);
  }
  await sleep(800);
  await c.stop();
  const content = readFileSync(log);
  assert.ok(seen.length >= 2, `pushed ${seen.length} times while written`);
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i]!.atMs - seen[i - 1]!.atMs >= 200, `two pushes ${seen[i]!.atMs - seen[i - 1]!.atMs} ms apart`);
  }
  // An append-only file: every pushed version must be a prefix of the final content, hash and size agreeing.
  for (const s of seen) {
    const prefix = createHash("sha256").update(content.subarray(0, s.size)).digest("hex");
    assert.equal(s.hash, prefix, `the hash pushed at size ${s.size} is of exactly those bytes`);
  }
  assert.equal(seen.at(-1)!.size, content.length, "the final state is pushed once the writes stop");
  console.log(`# log written 3.5 s: ${seen.length} pushes, sizes ${seen.map((s) => s.size).join(", ")}, gaps ${seen.slice(1).map((s, i) => s.atMs - seen[i]!.atMs).join(", ")} ms`);
  fx.cleanup();
});

test("continuous: an inotify limit falls back to full checks, with the sysctl in the log; the loop keeps running", async () => {
  const fx = watchFixture("cont-limit", "debounce 50ms; rescan-interval 1s;");
  const { logger, lines } = capturedLogger();
  const { push, pushed } = recordingPush();
  const c = startContinuous({
    config: fx.config, db: fx.db, logger, push, random: () => 0.5,
    subscribe: async (dir) => {
      throw new Error(`inotify_add_watch on '${dir}' failed: No space left on device`);
    },
  });
  try {
    await c.ready;
    assert.equal(c.states()[0]?.state, "polling");
    const line = lines().find((l) => l.level === 50);
    assert.match(String(line?.msg), /inotify limit reached.*sysctl fs\.inotify\.max_user_watches=\d+/);
    writeFileSync(join(fx.root, "polled.txt"), "p");
    assert.ok(await waitFor(() => pushed().has("%www%/polled.txt"), 2500), "the periodic full check finds it");
  } finally {
    await c.stop();
    fx.cleanup();
  }
});

test("continuous: entries a push left pending (a peer was down) are pushed again with backoff until they clear", async () => {
  const fx = watchFixture("cont-retry");
  writeFileSync(join(fx.root, "f.txt"), "f");
  const pending = new PendingStore(fx.db);
  let peerUp = false;
  const { push, calls } = recordingPush(() => {
    // The peer acknowledges only once it is back.
    if (peerUp) for (const r of pending.list()) pending.clear(r.entryId, r.peer);
  });
  const c = startContinuous({ config: fx.config, db: fx.db, logger: capturedLogger().logger, push, random: () => 0.5 });
  try {
    await c.ready;
    assert.equal(calls.length, 1);
    assert.ok(pending.count() > 0, "the peer was down: still pending");
    peerUp = true;
    assert.ok(await waitFor(() => calls.length === 2, 3000), "a retry push about 2 s later");
    assert.deepEqual(calls[1]!.paths, [], "a retry names no paths: push whatever is pending");
    assert.equal(pending.count(), 0);
    await sleep(2500);
    assert.equal(calls.length, 2, "nothing pending: no more retries");
  } finally {
    await c.stop();
    fx.cleanup();
  }
});

test("continuous: a group with `watch no` is left to cron runs: no watcher, no check, no push", async () => {
  const fx = watchFixture("cont-nowatch", "watch no;");
  writeFileSync(join(fx.root, "f.txt"), "f");
  const { push, calls } = recordingPush();
  const c = startContinuous({ config: fx.config, db: fx.db, logger: capturedLogger().logger, push });
  try {
    await c.ready;
    writeFileSync(join(fx.root, "g.txt"), "g");
    await sleep(300);
    assert.deepEqual(c.states(), []);
    assert.deepEqual(calls, []);
    assert.equal(new EntryStore(fx.db).get("g", "%www%/f.txt"), undefined, "nothing was checked");
  } finally {
    await c.stop();
    fx.cleanup();
  }
});

test("continuous: a directory replaced within one watcher batch (reported as an update) is checked with its subtree", async () => {
  // `rm -rf d && mkdir d && echo > d/new` (a deploy script, git checkout): parcel reports the
  // delete and the create of d within its 50 ms batch as one "update d", and d/new, written
  // before the new d was watched, raises nothing (exploratory run: 1 of 6 tries). Checked alone,
  // d/new stayed unpushed until the next full check, and the old files, when their deletions
  // were not reported either, stayed on the peers. The fake watcher delivers exactly that.
  const fx = watchFixture("cont-replaced");
  writeFileSync(join(fx.root, "keep"), "k");
  mkdirSync(join(fx.root, "d"));
  writeFileSync(join(fx.root, "d/old"), "o");
  let deliver: ((events: { path: string; type: "create" | "update" | "delete" }[]) => void) | undefined;
  const { push, pushed } = recordingPush();
  const c = startContinuous({
    config: fx.config, db: fx.db, logger: capturedLogger().logger, push,
    subscribe: async (_dir, fn) => {
      deliver = (events) => void fn(null, events);
      return { unsubscribe: async () => {} };
    },
  });
  try {
    await c.ready;
    assert.ok(pushed().has("%www%/d/old"));
    rmSync(join(fx.root, "d"), { recursive: true });
    mkdirSync(join(fx.root, "d"));
    writeFileSync(join(fx.root, "d/new"), "n");
    deliver!([{ path: join(fx.root, "d"), type: "update" }]);
    const both = () => pushed().has("%www%/d/new") && new EntryStore(fx.db).get("g", "%www%/d/old")?.deletedNs !== undefined;
    assert.ok(await waitFor(both, 3000), `the new file pushed and the old one deleted; pushed: ${[...pushed()].join(" ")}`);
  } finally {
    await c.stop();
    fx.cleanup();
  }
});

test("continuous: a path a push could not send because it vanished unseen is checked again, not retried as it was", async () => {
  // The watcher's event for a deletion can be lost (a directory replaced before it was
  // watched, inotify's queue overflowing). The engine then finds the file pending and gone
  // (ENOENT on open, a per-path problem); the push retries alone repeated that failure with
  // backoff until the next full check. The fake watcher delivers no event for the deletion.
  const fx = watchFixture("cont-vanished");
  writeFileSync(join(fx.root, "keep"), "k");
  writeFileSync(join(fx.root, "gone"), "g");
  let deliver: ((events: { path: string; type: "create" | "update" | "delete" }[]) => void) | undefined;
  const entries = new EntryStore(fx.db);
  // What the engine reports: every pending path whose file cannot be opened is a problem.
  const { push, pushed } = recordingPush();
  const enginePush = (group: string, paths: readonly string[]): string[] => {
    push(group, paths);
    const live = ["%www%/gone", "%www%/new"].filter((p) => entries.get(group, p)?.deletedNs === undefined && entries.get(group, p) !== undefined);
    return live.filter((p) => !existsSync(fx.config.toLocalPath(p)));
  };
  const c = startContinuous({
    config: fx.config, db: fx.db, logger: capturedLogger().logger, push: enginePush,
    subscribe: async (_dir, fn) => {
      deliver = (events) => void fn(null, events);
      return { unsubscribe: async () => {} };
    },
  });
  try {
    await c.ready;
    unlinkSync(join(fx.root, "gone"));
    writeFileSync(join(fx.root, "new"), "n");
    deliver!([{ path: join(fx.root, "new"), type: "create" }]);
    assert.ok(await waitFor(() => pushed().has("%www%/new"), 3000), "the reported change pushed");
    const recorded = () => entries.get("g", "%www%/gone")?.deletedNs !== undefined;
    assert.ok(await waitFor(recorded, 3000), "the vanished file checked again and recorded deleted");
    assert.ok(await waitFor(() => pushed().has("%www%/gone"), 3000), "and its deletion pushed");
  } finally {
    await c.stop();
    fx.cleanup();
  }
});

test("continuous: an include root removed and made again is watched and checked at once, not at the 5-minute fallback", async () => {
  // `rm -rf /srv/www; mkdir /srv/www; tar x` (a restore): the root's full check found it gone,
  // subscribing failed ("does not exist"), and nothing looked again until the full check that
  // comes every 5 min while a root is not watched.
  const fx = watchFixture("cont-root-back");
  writeFileSync(join(fx.root, "keep"), "k");
  const { push, pushed } = recordingPush();
  const log = capturedLogger();
  const c = startContinuous({ config: fx.config, db: fx.db, logger: log.logger, push });
  try {
    await c.ready;
    rmSync(fx.root, { recursive: true });
    assert.ok(await waitFor(() => /does not exist/.test(c.states()[0]?.reason ?? ""), 5000), "the root is missing");
    await sleep(300);
    mkdirSync(fx.root);
    // The restore brings back what the index knows (keep) and something new: a new directory
    // holding only names the index never saw would look like a bare mount point and halt
    // (index/root-safety.ts), whichever inode number the kernel gave it.
    writeFileSync(join(fx.root, "keep"), "k");
    writeFileSync(join(fx.root, "back.txt"), "b");
    assert.ok(await waitFor(() => pushed().has("%www%/back.txt"), 5000), `the restored tree pushed; states: ${JSON.stringify(c.states())}`);
    assert.equal(c.states()[0]?.state, "watching");
    assert.ok(log.lines().some((l) => l.kind === "returned" && l.level === 30), "an info line says the root is back");
  } finally {
    await c.stop();
    fx.cleanup();
  }
});

test("continuous: a watch lost during the initial full check is watched again after it, not at the 5-minute fallback", async () => {
  // `mkdir -p` while the daemon's first check walks: the watcher drops the root's subscription
  // to watch it afresh after a full check ("rewatch"). The loop asked for that check only once
  // started, so a rewatch inside the initial check left the root unwatched for 5 minutes
  // (test/integration/watch-rmrf.test.ts missed its waits that way under load).
  const fx = watchFixture("cont-lost-at-start");
  writeFileSync(join(fx.root, "keep"), "k");
  let first = true;
  const slowCheck: CheckFn = async (db, config, options) => {
    const summary = await runCheck(db, config, options);
    if (first) {
      first = false;
      mkdirSync(join(fx.root, "nest/a/b"), { recursive: true });
      await sleep(REWATCH_DELAY_MS + 800);
    }
    return summary;
  };
  const { push, pushed } = recordingPush();
  const c = startContinuous({ config: fx.config, db: fx.db, logger: capturedLogger().logger, push, check: slowCheck });
  try {
    await c.ready;
    assert.ok(await waitFor(() => c.states()[0]?.state === "watching", 5000), `watched again: ${JSON.stringify(c.states())}`);
    writeFileSync(join(fx.root, "nest/a/b/later.txt"), "l");
    assert.ok(await waitFor(() => pushed().has("%www%/nest/a/b/later.txt"), 5000), `a file written after start is pushed; states: ${JSON.stringify(c.states())}`);
  } finally {
    await c.stop();
    fx.cleanup();
  }
});
