import assert from "node:assert/strict";
import { test } from "node:test";
import { isReplacedDirectory, needsSubtreeCheck, type DiskNow, type RecordedDir } from "./subtree-check.js";

const dirNow = (ino: bigint, birthNs: bigint | undefined = 100n, dev = 1n): DiskNow => ({ kind: "dir", ino, dev, birthNs });
const dirRec = (ino: bigint, ctimeNs = 500n, dev = 1n): RecordedDir => ({ kind: "dir", deleted: false, ino, dev, ctimeNs });

const cases: { name: string; created: boolean; now: DiskNow; recorded: RecordedDir | undefined; want: boolean }[] = [
  { name: "a path that is gone: its records below it go too", created: false, now: { kind: "missing" }, recorded: dirRec(5n), want: true },
  { name: "a path that is gone and was never recorded", created: false, now: { kind: "missing" }, recorded: undefined, want: true },
  { name: "a file that changed is checked alone", created: false, now: { kind: "other" }, recorded: undefined, want: false },
  { name: "a file that was created is checked alone", created: true, now: { kind: "other" }, recorded: undefined, want: false },
  { name: "a directory the burst created", created: true, now: dirNow(5n), recorded: dirRec(5n), want: true },
  { name: "the recorded directory, its mode or times changed since", created: false, now: dirNow(5n, 100n), recorded: dirRec(5n, 500n), want: false },
  { name: "the recorded directory, never changed since it was made (birth = recorded ctime)", created: false, now: dirNow(5n, 500n), recorded: dirRec(5n, 500n), want: false },
  { name: "replaced under the same inode number (ext4 reuses it), reported as an update: born after the record", created: false, now: dirNow(5n, 900n), recorded: dirRec(5n, 500n), want: true },
  { name: "replaced, another inode", created: false, now: dirNow(9n, 100n), recorded: dirRec(5n), want: true },
  { name: "replaced, another device with the same inode number", created: false, now: dirNow(5n, 100n, 2n), recorded: dirRec(5n, 500n, 1n), want: true },
  { name: "no birth time (no statx): the same inode is taken as the same directory", created: false, now: dirNow(5n, undefined), recorded: dirRec(5n), want: false },
  { name: "a birth time of 0 means none", created: false, now: dirNow(5n, 0n), recorded: dirRec(5n), want: false },
  { name: "a directory the index does not hold yet", created: false, now: dirNow(5n), recorded: undefined, want: true },
  { name: "a directory where the index holds a tombstone", created: false, now: dirNow(5n), recorded: { ...dirRec(0n), deleted: true }, want: true },
  { name: "a directory where the index holds a file", created: false, now: dirNow(5n), recorded: { ...dirRec(5n), kind: "file" }, want: true },
];

for (const c of cases) {
  test(`needsSubtreeCheck: ${c.name}`, () => {
    assert.equal(needsSubtreeCheck(c.created, c.now, c.recorded), c.want);
  });
}

const replacedCases: { name: string; now: DiskNow; recorded: RecordedDir | undefined; want: boolean }[] = [
  { name: "the recorded directory", now: dirNow(5n, 100n), recorded: dirRec(5n, 500n), want: false },
  { name: "born after the record, same inode number", now: dirNow(5n, 900n), recorded: dirRec(5n, 500n), want: true },
  { name: "another inode", now: dirNow(9n, 100n), recorded: dirRec(5n, 500n), want: true },
  { name: "no record: new, not replaced (a check of one path leaves a new directory's files to their own events)", now: dirNow(5n), recorded: undefined, want: false },
  { name: "a tombstone: not replaced", now: dirNow(5n, 900n), recorded: { ...dirRec(5n), deleted: true }, want: false },
  { name: "a file on disk now", now: { kind: "other" }, recorded: dirRec(5n), want: false },
  { name: "gone", now: { kind: "missing" }, recorded: dirRec(5n), want: false },
];

for (const c of replacedCases) {
  test(`isReplacedDirectory: ${c.name}`, () => {
    assert.equal(isReplacedDirectory(c.now, c.recorded), c.want);
  });
}
