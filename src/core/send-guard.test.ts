import assert from "node:assert/strict";
import { test } from "node:test";
import { changedWhileRead, staleSince, type ReadStat, type SendStaleness } from "./send-guard.js";

const offered = { size: 100, mtimeNs: 1_700_000_000_123_456_789n };
const file = { isFile: true };

const cases: readonly { name: string; now: { isFile: boolean; size: number; mtimeNs: bigint }; want: SendStaleness | undefined }[] = [
  { name: "unchanged", now: { ...file, ...offered }, want: undefined },
  { name: "mtime differs below the compared microsecond", now: { ...file, size: 100, mtimeNs: 1_700_000_000_123_456_001n }, want: undefined },
  { name: "appended to (a log)", now: { ...file, size: 150, mtimeNs: 1_700_000_001_000_000_000n }, want: "grew" },
  { name: "truncated", now: { ...file, size: 10, mtimeNs: 1_700_000_001_000_000_000n }, want: "shrank" },
  { name: "rewritten in place, same size", now: { ...file, size: 100, mtimeNs: 1_700_000_001_000_000_000n }, want: "rewritten" },
  { name: "replaced by an older file of the same size (mv over, mtime kept)", now: { ...file, size: 100, mtimeNs: 1_600_000_000_000_000_000n }, want: "rewritten" },
  { name: "a directory in its place", now: { isFile: false, size: 4096, mtimeNs: 1_700_000_001_000_000_000n }, want: "replaced by a directory or special file" },
];

for (const c of cases) {
  test(`staleSince: ${c.name}`, () => assert.equal(staleSince(offered, c.now), c.want));
}

const opened: ReadStat = { isFile: true, size: 100, mtimeNs: 1_700_000_000_123_456_789n, ctimeNs: 1_700_000_000_123_456_789n, ino: 42n };
const readCases: readonly { name: string; after: ReadStat; want: SendStaleness | undefined }[] = [
  { name: "untouched while read", after: opened, want: undefined },
  { name: "appended to while read (a log)", after: { ...opened, size: 150, mtimeNs: 1_700_000_001_000_000_000n, ctimeNs: 1_700_000_001_000_000_000n }, want: "grew" },
  { name: "truncated while read", after: { ...opened, size: 0, ctimeNs: 1_700_000_001_000_000_000n }, want: "shrank" },
  { name: "rewritten in place, same size", after: { ...opened, mtimeNs: 1_700_000_001_000_000_000n, ctimeNs: 1_700_000_001_000_000_000n }, want: "rewritten" },
  { name: "written with size and mtime put back (only ctime moved)", after: { ...opened, ctimeNs: 1_700_000_001_000_000_000n }, want: "rewritten" },
  { name: "mtime moved within the compared microsecond (exact here)", after: { ...opened, mtimeNs: opened.mtimeNs + 1n }, want: "rewritten" },
  { name: "another inode (cannot happen to an open file; still not the one opened)", after: { ...opened, ino: 43n }, want: "rewritten" },
  { name: "not a file", after: { ...opened, isFile: false }, want: "replaced by a directory or special file" },
];

for (const c of readCases) {
  test(`changedWhileRead: ${c.name}`, () => assert.equal(changedWhileRead(opened, c.after), c.want));
}
