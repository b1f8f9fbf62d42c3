import assert from "node:assert/strict";
import { test } from "node:test";
import type { EntryState } from "../core/entry.js";
import { prefetchFits, prefetchMinBytes, PREFETCH_MIN_BYTES } from "./delta-prefetch.js";

const opened = { dev: 1n, ino: 7n, size: 4096n, mtimeNs: 1_000_000_123n, ctimeNs: 1_000_000_456n };
const file = { kind: "file", size: 4096, mtimeNs: 1_000_000_123n } as EntryState;

const cases: { name: string; now?: Partial<typeof opened>; entry?: EntryState; want: boolean }[] = [
  { name: "the file as opened, holding the offered version", want: true },
  { name: "another inode (replaced by a rename)", now: { ino: 8n }, want: false },
  { name: "another filesystem", now: { dev: 2n }, want: false },
  { name: "grown since it was opened", now: { size: 4097n }, want: false },
  { name: "written since (mtime)", now: { mtimeNs: 1_000_000_999n }, want: false },
  { name: "touched since (ctime: chmod, a write that kept the mtime)", now: { ctimeNs: 1_000_000_999n }, want: false },
  { name: "the offered version has another size", entry: { ...file, size: 10 } as EntryState, want: false },
  { name: "the offered version has another mtime", entry: { ...file, mtimeNs: 5n } as EntryState, want: false },
  { name: "the offered version is not a file", entry: { kind: "deleted" } as EntryState, want: false },
];

for (const c of cases) {
  test(`prefetchFits: ${c.name}`, () => {
    assert.equal(prefetchFits(opened, { ...opened, ...c.now }, c.entry ?? file), c.want);
  });
}

test("prefetchMinBytes: PEERSYNC_DELTA_PREFETCH_MIN_BYTES, 16 MiB when unset, a bad value refused", () => {
  assert.equal(prefetchMinBytes({}), PREFETCH_MIN_BYTES);
  assert.equal(PREFETCH_MIN_BYTES, 16 << 20);
  assert.equal(prefetchMinBytes({ PEERSYNC_DELTA_PREFETCH_MIN_BYTES: "0" }), 0);
  assert.throws(() => prefetchMinBytes({ PEERSYNC_DELTA_PREFETCH_MIN_BYTES: "16M" }), /PEERSYNC_DELTA_PREFETCH_MIN_BYTES=16M/);
});
