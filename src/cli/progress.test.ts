import assert from "node:assert/strict";
import { test } from "node:test";
import { formatProgress, ProgressLine, progressWanted, type ProgressState } from "./progress.js";
import { parseItem, runningTotal } from "./progress-runs.js";

const base = { label: "sync", verb: "done" } as const;
const lines: readonly { readonly name: string; readonly state: ProgressState; readonly want: string }[] = [
  { name: "at the start: counts only", state: { ...base, files: 0, totalFiles: 10, bytes: 0, totalBytes: 2048, elapsedMs: 0 }, want: "sync: 0/10 files done, 0 B/2.0 KiB" },
  {
    name: "half the bytes in 2 s: rate and ETA by bytes",
    state: { ...base, files: 3, totalFiles: 10, bytes: 5 << 20, totalBytes: 10 << 20, elapsedMs: 2000 },
    want: "sync: 3/10 files done, 5.0 MiB/10.0 MiB, 2.5 MiB/s, ETA 0:02",
  },
  {
    name: "a check with a total from the index: files/s and ETA by files",
    state: { label: "check", verb: "scanned", files: 8192, totalFiles: 81920, elapsedMs: 1000 },
    want: "check: 8,192/81,920 files scanned, 8,192 files/s, ETA 0:09",
  },
  { name: "a first check: no total, no ETA", state: { label: "check", verb: "scanned", files: 4096, elapsedMs: 2000 }, want: "check: 4,096 files scanned, 2,048 files/s" },
  {
    name: "more done than planned (versions taken back): the total grows, ETA 0",
    state: { ...base, files: 12, totalFiles: 10, bytes: 0, totalBytes: 0, elapsedMs: 1000 },
    want: "sync: 12/12 files done, 0 B/0 B, 12 files/s, ETA 0:00",
  },
  {
    name: "hours in the ETA",
    state: { label: "check", verb: "scanned", files: 1, totalFiles: 7201, elapsedMs: 1000 },
    want: "check: 1/7,201 files scanned, 1 files/s, ETA 2:00:00",
  },
];
for (const c of lines) test(`formatProgress() ${c.name}`, () => assert.equal(formatProgress(c.state), c.want));

const wanted: readonly [string | undefined, boolean, boolean, boolean][] = [
  // [PEERSYNC_PROGRESS, stderr is a TTY, -q, want]
  [undefined, true, false, true],
  [undefined, false, false, false],
  ["auto", false, false, false],
  ["always", false, false, true],
  ["never", true, false, false],
  ["always", true, true, false],
  ["alwayz", false, false, false],
];
for (const [mode, tty, quiet, want] of wanted) {
  test(`progressWanted() is ${want} for PEERSYNC_PROGRESS=${mode} tty=${tty} quiet=${quiet}`, () =>
    assert.equal(progressWanted({ PEERSYNC_PROGRESS: mode }, tty, quiet), want));
}

test("ProgressLine draws at once, then at most every 100 ms, and erases itself when done", () => {
  let now = 0;
  const out: string[] = [];
  const line = new ProgressLine("check", "scanned", { write: (t) => out.push(t), now: () => now });
  line.update({ files: 0 });
  for (let i = 1; i <= 1000; i++) {
    now = i; // 1000 updates over one second
    line.update({ files: i });
  }
  const draws = out.filter((t) => t.startsWith("\r") && t.length > 4);
  assert.ok(draws.length >= 10 && draws.length <= 11, `${draws.length} draws`);
  assert.ok(out.every((t) => t.startsWith("\r") && t.endsWith("\x1b[K")));
  line.done();
  assert.equal(out.at(-1), "\r\x1b[K");
});

test("ProgressLine.clear() erases only a drawn line", () => {
  const out: string[] = [];
  const line = new ProgressLine("sync", "done", { write: (t) => out.push(t), now: () => 0 });
  line.clear();
  assert.deepEqual(out, []);
  line.update({ files: 1 });
  line.clear();
  line.clear();
  assert.deepEqual(out.slice(1), ["\r\x1b[K"]);
});

const items: readonly [string, ReturnType<typeof parseItem>][] = [
  ["beta\t>f\t%site%/a b\ttake-remote", { peer: "beta", path: "%site%/a b", moved: true }],
  ["gamma\t<f\t%site%/x\tconflict-local-wins (younger)", { peer: "gamma", path: "%site%/x", moved: true }],
  ["beta\t=d\t%site%", { peer: "beta", path: "%site%", moved: false }],
  ["beta\t*deleting\t%site%/old", { peer: "beta", path: "%site%/old", moved: false }],
  ["2 peer(s): 1 applied there", undefined],
];
for (const [line, want] of items) test(`parseItem(${JSON.stringify(line)})`, () => assert.deepEqual(parseItem(line), want));

test("runningTotal() adds up the per-target counts runCheck reports", () => {
  const total = runningTotal();
  assert.deepEqual([4096, 8192, 4096, 4096, 12288].map(total), [4096, 8192, 12288, 12288, 20480]);
});
