// A storm: 20,000 files created and touched 5 times (100,000 events in a few seconds). The
// buffer must stay bounded (it collapses to a full check at its cap), the process must not
// balloon, and every file must still reach push.

import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Metrics } from "../../src/metrics/metrics.js";
import { startContinuous } from "../../src/watch/continuous.js";
import { capturedLogger, recordingPush, waitFor, watchFixture } from "../helpers/watch.js";

const FILES = 20_000;
const TOUCHES = 5;

test("continuous: a 100k-event storm keeps RSS bounded, collapses to a full check and pushes every file", async (t) => {
  const fx = watchFixture("storm", "debounce 100ms;");
  const { push, pushed } = recordingPush();
  const metrics = new Metrics({ processMetrics: false });
  const c = startContinuous({ config: fx.config, db: fx.db, logger: capturedLogger().logger, push, metrics, maxPaths: 10_000 });
  await c.ready;
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 25);
  const t0 = Date.now();
  try {
    for (let d = 0; d < 20; d++) mkdirSync(join(fx.root, `d${d}`));
    const path = (i: number) => join(fx.root, `d${i % 20}`, `f${i}`);
    for (let i = 0; i < FILES; i++) writeFileSync(path(i), "0");
    for (let round = 1; round < TOUCHES; round++) {
      for (let i = 0; i < FILES; i++) appendFileSync(path(i), String(round));
      // Let the watcher thread's events reach the loop, as a real storm would.
      await new Promise((r) => setImmediate(r));
    }
    const stormMs = Date.now() - t0;
    const all = () => {
      const p = pushed();
      for (let i = 0; i < FILES; i += 1) if (!p.has(`%www%/d${i % 20}/f${i}`)) return false;
      return true;
    };
    assert.ok(await waitFor(all, 30_000), "every file is pushed after the storm");
    const settledMs = Date.now() - t0;
    const text = await metrics.text();
    const events = Number(/^peersync_watch_events_total\{group="g"\} (\d+)/m.exec(text)?.[1] ?? 0);
    const overflows = Number(/^peersync_watch_overflows_total (\d+)/m.exec(text)?.[1] ?? 0);
    const growthMb = (peak - base) / 2 ** 20;
    t.diagnostic(`storm: ${events} events in ${stormMs} ms, ${overflows} overflow(s), all pushed after ${settledMs} ms; ` +
      `RSS ${(base / 2 ** 20).toFixed(0)} MB → peak ${(peak / 2 ** 20).toFixed(0)} MB (+${growthMb.toFixed(0)} MB), JS heap peak ${(heapPeak / 2 ** 20).toFixed(0)} MB`);
    assert.ok(overflows >= 1, "the cap was hit and collapsed to a full check");
    assert.match(text, /^peersync_rescans_total\{reason="overflow"\} [1-9]/m);
    assert.ok(growthMb < 200, `RSS grew by ${growthMb.toFixed(0)} MB`);
  } finally {
    clearInterval(sampler);
    await c.stop();
    fx.cleanup();
  }
});
