import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyChange, IGNORE_NOTHING, type ChangeKind, type IgnoreAttributes } from "./dirty.js";
import { fingerprintHash, msFromNs, msFromTimeSpec, sameFingerprint, splitNs, type FileState, type Fingerprint } from "./file-state.js";

// Named fixtures: a regular file, a directory, a symlink; variants change one attribute each.
const base = { mode: 0o100644, uid: 0, gid: 0, userName: "root", groupName: "root", mtimeNs: 1_700_000_000_123_456_789n, size: 5 };
const F: FileState = { kind: "file", ...base, hash: "aa" };
const D: FileState = { kind: "dir", ...base, mode: 0o040755, size: 4096 };
const L: FileState = { kind: "symlink", ...base, mode: 0o120777, size: 3, target: "a.t" };
const with_ = (s: FileState, patch: Record<string, unknown>): FileState => ({ ...s, ...patch }) as FileState;

const cases: readonly { name: string; recorded: FileState | undefined; observed: FileState | undefined; want: ChangeKind; ignore?: IgnoreAttributes }[] = [
  { name: "nothing recorded, nothing there", recorded: undefined, observed: undefined, want: "none" },
  { name: "new file", recorded: undefined, observed: F, want: "new" },
  { name: "new directory", recorded: undefined, observed: D, want: "new" },
  { name: "new symlink", recorded: undefined, observed: L, want: "new" },
  { name: "deleted file", recorded: F, observed: undefined, want: "deleted" },
  { name: "deleted directory", recorded: D, observed: undefined, want: "deleted" },
  { name: "file replaced by directory", recorded: F, observed: D, want: "type" },
  { name: "directory replaced by file", recorded: D, observed: F, want: "type" },
  { name: "file replaced by symlink", recorded: F, observed: L, want: "type" },
  { name: "symlink replaced by directory", recorded: L, observed: D, want: "type" },
  { name: "content changed, same size", recorded: F, observed: with_(F, { hash: "bb" }), want: "content" },
  { name: "content changed, size too", recorded: F, observed: with_(F, { hash: "bb", size: 6 }), want: "content" },
  { name: "content and mode changed: content wins", recorded: F, observed: with_(F, { hash: "bb", mode: 0o100600 }), want: "content" },
  { name: "symlink target changed", recorded: L, observed: with_(L, { target: "b.t" }), want: "content" },
  { name: "file mode changed", recorded: F, observed: with_(F, { mode: 0o100600 }), want: "meta" },
  { name: "directory mode changed", recorded: D, observed: with_(D, { mode: 0o040700 }), want: "meta" },
  { name: "owner changed", recorded: F, observed: with_(F, { uid: 1000, userName: "u" }), want: "meta" },
  { name: "group changed", recorded: F, observed: with_(F, { gid: 1000 }), want: "meta" },
  { name: "symlink owner changed", recorded: L, observed: with_(L, { uid: 7 }), want: "meta" },
  { name: "mode and mtime changed: meta wins", recorded: F, observed: with_(F, { mode: 0o100600, mtimeNs: 1n }), want: "meta" },
  { name: "only mtime changed (touch)", recorded: F, observed: with_(F, { mtimeNs: base.mtimeNs + 1n }), want: "mtime" },
  { name: "directory mtime is not a change", recorded: D, observed: with_(D, { mtimeNs: 1n }), want: "none" },
  { name: "symlink mtime is not a change", recorded: L, observed: with_(L, { mtimeNs: 1n }), want: "none" },
  { name: "directory size is not a change", recorded: D, observed: with_(D, { size: 8192 }), want: "none" },
  { name: "identical file (only ctime moved)", recorded: F, observed: with_(F, {}), want: "none" },
  { name: "owner name alone is not a change", recorded: F, observed: with_(F, { userName: "renamed" }), want: "none" },
  { name: "ignore uid", recorded: F, observed: with_(F, { uid: 5 }), want: "none", ignore: { uid: true, gid: false, mod: false } },
  { name: "ignore gid", recorded: F, observed: with_(F, { gid: 5 }), want: "none", ignore: { uid: false, gid: true, mod: false } },
  { name: "ignore mod", recorded: F, observed: with_(F, { mode: 0o100600 }), want: "none", ignore: { uid: false, gid: false, mod: true } },
  { name: "ignore mod still sees content", recorded: F, observed: with_(F, { mode: 0o100600, hash: "cc" }), want: "content", ignore: { uid: false, gid: false, mod: true } },
];

for (const c of cases) {
  test(`classifyChange() ${c.name} → ${c.want}`, () => {
    assert.equal(classifyChange(c.recorded, c.observed, c.ignore ?? IGNORE_NOTHING), c.want);
  });
}

// Stat pairs: the fingerprint decides whether an entry gets a closer look at all.
const FP: Fingerprint = { mode: 0o100644, uid: 0, gid: 0, size: 5, ino: 42, dev: 2049, mtimeMs: 1.5e12, ctimeMs: 1.5e12 };
const fpCases: readonly { name: string; patch: Partial<Fingerprint>; same: boolean }[] = [
  { name: "identical stat", patch: {}, same: true },
  { name: "content rewritten (ctime, mtime)", patch: { ctimeMs: FP.ctimeMs + 4, mtimeMs: FP.mtimeMs + 4 }, same: false },
  { name: "chmod (ctime only)", patch: { ctimeMs: FP.ctimeMs + 4 }, same: false },
  { name: "mtime reset by touch -d (ctime moved)", patch: { ctimeMs: FP.ctimeMs + 1 }, same: false },
  { name: "size differs", patch: { size: 6 }, same: false },
  { name: "replaced by another inode", patch: { ino: 43 }, same: false },
  { name: "other filesystem", patch: { dev: 2050 }, same: false },
  { name: "mode differs", patch: { mode: 0o100600 }, same: false },
  { name: "type differs", patch: { mode: 0o040755 }, same: false },
  { name: "uid differs", patch: { uid: 1 }, same: false },
  { name: "gid differs", patch: { gid: 1 }, same: false },
  { name: "one microsecond of ctime", patch: { ctimeMs: FP.ctimeMs + 0.001 }, same: false },
];
for (const c of fpCases) {
  test(`sameFingerprint() ${c.name} → ${c.same}`, () => assert.equal(sameFingerprint(FP, { ...FP, ...c.patch }), c.same));
  test(`fingerprintHash() ${c.name} → ${c.same ? "equal" : "different"} hashes`, () => {
    assert.equal(fingerprintHash(FP) === fingerprintHash({ ...FP, ...c.patch }), c.same);
  });
}

test("fingerprintHash() is a safe integer and spreads nearby fingerprints", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 20_000; i++) {
    const h = fingerprintHash({ ...FP, ctimeMs: FP.ctimeMs + i * 0.001, ino: FP.ino + (i % 7) });
    assert.ok(Number.isSafeInteger(h) && h >= 0);
    seen.add(h);
  }
  assert.equal(seen.size, 20_000);
});

const nsCases: readonly { ns: bigint; sec: number; nsec: number }[] = [
  { ns: 0n, sec: 0, nsec: 0 },
  { ns: 1_700_000_000_123_456_789n, sec: 1_700_000_000, nsec: 123_456_789 },
  { ns: -1n, sec: -1, nsec: 999_999_999 },
  { ns: -1_500_000_000n, sec: -2, nsec: 500_000_000 },
];
for (const c of nsCases) {
  test(`splitNs(${c.ns}) matches Node's timespec and msFromNs() its arithmetic`, () => {
    assert.deepEqual(splitNs(c.ns), { sec: c.sec, nsec: c.nsec });
    assert.equal(msFromNs(c.ns), msFromTimeSpec(c.sec, c.nsec));
  });
}
