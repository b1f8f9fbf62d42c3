import assert from "node:assert/strict";
import { test } from "node:test";
import { IGNORE_NOTHING } from "./dirty.js";
import { ProtocolError } from "../errors.js";
import { entryFromWire, entryToWire, isRecordableNs, localOwnership, mtimeKey, sameContent, sameMeta, sameMtime, sameVersion, sizeOf, type EntryState } from "./entry.js";
import { dir, file, gone, link } from "./testing-entries.js";

const T = 1_700_000_000_000_000_000n;

const contentCases: { name: string; a: EntryState; b: EntryState; want: boolean }[] = [
  { name: "equal hashes are the same content", a: file(), b: file({ by: "b", mtimeNs: T + 1n }), want: true },
  { name: "different hashes differ", a: file(), b: file({ hash: "bb" }), want: false },
  { name: "different sizes differ even with equal hashes", a: file(), b: file({ size: 11 }), want: false },
  { name: "link targets compare as text", a: link({ target: "x" }), b: link({ target: "x" }), want: true },
  { name: "different link targets differ", a: link({ target: "x" }), b: link({ target: "y" }), want: false },
  { name: "two dirs are the same content", a: dir(), b: dir({ mode: 0o40700 }), want: true },
  { name: "two tombstones are the same content", a: gone(), b: gone({ by: "b", at: 5 }), want: true },
  { name: "a file is not a dir", a: file(), b: dir(), want: false },
  { name: "a dir is not a tombstone", a: dir(), b: gone(), want: false },
];
for (const c of contentCases) {
  test(`sameContent() ${c.name}`, () => {
    assert.equal(sameContent(c.a, c.b), c.want);
    assert.equal(sameContent(c.b, c.a), c.want);
  });
}

const metaCases: { name: string; a: EntryState; b: EntryState; ignore?: { uid: boolean; gid: boolean; mod: boolean }; want: boolean }[] = [
  { name: "equal attributes match", a: file(), b: file(), want: true },
  { name: "compares permission bits, not type bits", a: file({ mode: 0o100644 }), b: file({ mode: 0o644 }), want: true },
  { name: "a mode difference differs", a: file(), b: file({ mode: 0o100600 }), want: false },
  { name: "a mode difference matches under ignore mod", a: file(), b: file({ mode: 0o100600 }), ignore: { uid: false, gid: false, mod: true }, want: true },
  { name: "owners compare by name when both have one", a: file({ uid: 1, userName: "www" }), b: file({ uid: 2, userName: "www" }), want: true },
  { name: "owners compare by id when a name is missing", a: file({ uid: 1, userName: undefined }), b: file({ uid: 2, userName: "www" }), want: false },
  { name: "an owner difference matches under ignore uid", a: file({ userName: "a" }), b: file({ userName: "b" }), ignore: { uid: true, gid: false, mod: false }, want: true },
  { name: "a group difference differs", a: file({ groupName: "a" }), b: file({ groupName: "b" }), want: false },
  { name: "file mtimes compare to the microsecond", a: file({ mtimeNs: T + 1n }), b: file({ mtimeNs: T + 999n }), want: true },
  { name: "file mtimes a microsecond apart differ", a: file({ mtimeNs: T }), b: file({ mtimeNs: T + 1000n }), want: false },
  { name: "dir mtimes are ignored", a: dir(), b: dir({ mtimeNs: T + 10n ** 12n }), want: true },
  { name: "link modes and mtimes are ignored", a: link({ mode: 0o120777 }), b: link({ mode: 0o120700, mtimeNs: 5n }), want: true },
  { name: "link owners are compared", a: link({ uid: 0, userName: undefined }), b: link({ uid: 1, userName: undefined }), want: false },
  { name: "different kinds never match", a: file(), b: dir(), want: false },
  { name: "tombstones always match", a: gone(), b: gone({ by: "z" }), want: true },
];
for (const c of metaCases) {
  test(`sameMeta() ${c.name}`, () => {
    assert.equal(sameMeta(c.a, c.b, c.ignore ?? IGNORE_NOTHING), c.want);
    assert.equal(sameMeta(c.b, c.a, c.ignore ?? IGNORE_NOTHING), c.want);
  });
}

test("sameVersion() needs both content and attributes", () => {
  assert.equal(sameVersion(file(), file()), true);
  assert.equal(sameVersion(file(), file({ hash: "bb" })), false);
  assert.equal(sameVersion(file(), file({ mode: 0o100600 })), false);
});

test("sizeOf() measures files by length, links by target bytes, dirs as 0", () => {
  assert.equal(sizeOf(file({ size: 42 })), 42);
  assert.equal(sizeOf(link({ target: "äb" })), 3);
  assert.equal(sizeOf(dir()), 0);
});

test("localOwnership() maps names to local ids and keeps the sender's ids otherwise", () => {
  const lookup = { uidOf: (n: string) => (n === "www" ? 33 : undefined), gidOf: (n: string) => (n === "www" ? 34 : undefined) };
  assert.deepEqual(localOwnership({ uid: 1000, gid: 1000, userName: "www", groupName: "www" }, lookup), { uid: 33, gid: 34 });
  assert.deepEqual(localOwnership({ uid: 1000, gid: 1001, userName: "ghost", groupName: undefined }, lookup), { uid: 1000, gid: 1001 });
});

const HEX = "0123456789abcdef".repeat(4);
const wireSamples: EntryState[] = [
  file({ hash: HEX, vector: Object.fromEntries([["a", 2], ["__proto__", 1]]), mtimeNs: 1_700_000_000_123_456_789n, userName: undefined }),
  dir({ by: "b", vector: { b: 1 }, groupName: undefined }),
  link({ target: "../x y/ä" }),
  gone({ by: "web1", vector: { web1: 3 }, at: 1_700_000_000_000 }),
];
for (const e of wireSamples) {
  test(`entryFromWire() round-trips a ${e.kind} entry through JSON`, () => {
    const back = entryFromWire(JSON.parse(JSON.stringify(entryToWire(e))));
    assert.deepEqual(back, { ...e, ...("userName" in e ? { userName: e.userName, groupName: e.groupName } : {}) });
  });
}

const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(entryToWire(file({ hash: HEX })))) as Record<string, unknown>;
const badEntries: { name: string; raw: unknown; why: RegExp }[] = [
  { name: "a non-object", raw: "file", why: /"entry" must be an object/ },
  { name: "an unknown kind", raw: { ...good(), kind: "fifo" }, why: /"kind" must be file/ },
  { name: "a bad writer name", raw: { ...good(), modifiedBy: "a b" }, why: /"modifiedBy"/ },
  { name: "a bad vector", raw: { ...good(), vector: { a: -1 } }, why: /version vector/ },
  { name: "a negative change time", raw: { ...good(), changedAtMs: -1 }, why: /"changedAtMs"/ },
  { name: "a mode of another kind", raw: { ...good(), mode: 0o40755 }, why: /type bits of another kind/ },
  { name: "a mode out of range", raw: { ...good(), mode: 0o1000000 }, why: /"mode"/ },
  { name: "uid -1", raw: { ...good(), uid: -1 }, why: /"uid"/ },
  { name: "a numeric mtime", raw: { ...good(), mtimeNs: 5 }, why: /"mtimeNs" must be a decimal string/ },
  { name: "an mtime beyond 64 bits", raw: { ...good(), mtimeNs: "99999999999999999999" }, why: /out of range/ },
  { name: "an owner name with a colon", raw: { ...good(), userName: "a:b" }, why: /"userName"/ },
  { name: "an upper-case hash", raw: { ...good(), hash: HEX.toUpperCase() }, why: /"hash"/ },
  { name: "a file without a hash", raw: { ...good(), hash: undefined }, why: /"hash"/ },
  { name: "a link target with NUL", raw: { ...JSON.parse(JSON.stringify(entryToWire(link()))), target: "a\0b" }, why: /"target"/ },
];
for (const c of badEntries) {
  test(`entryFromWire() rejects ${c.name}`, () => {
    assert.throws(() => entryFromWire(c.raw), (err: unknown) => err instanceof ProtocolError && c.why.test(err.message));
  });
}

test("mtimeKey() is the microsecond rounded down, before 1970 too, as a node that set the mtime reads it back", () => {
  const cases: [bigint, bigint][] = [[0n, 0n], [999n, 0n], [1_000n, 1n], [1_500n, 1n], [-1n, -1n], [-1_000n, -1n], [-1_500n, -2n], [1_700_000_000_123_456_789n, 1_700_000_000_123_456n]];
  for (const [ns, want] of cases) assert.equal(mtimeKey(ns), want, String(ns));
  assert.equal(sameMtime(-1_500n, -2_000n), true, "what the peer set back for -1500 ns");
  assert.equal(sameMtime(-1_500n, -1_000n), false);
});

const recordableCases = [
  { name: "the epoch", ns: 0n, want: true },
  { name: "before 1970", ns: -1_500_000_000n, want: true },
  { name: "2100", ns: 4_102_444_800_123_456_789n, want: true },
  { name: "the last nanosecond of 2262-04-11", ns: 2n ** 63n - 1n, want: true },
  { name: "2^63 (2262-04-11, one ns later)", ns: 2n ** 63n, want: false },
  { name: "2500 (ext4 stores it)", ns: 16_733_894_400n * 1_000_000_000n, want: false },
  { name: "the earliest it holds", ns: -(2n ** 63n - 1n), want: true },
  { name: "before 1677", ns: -(2n ** 63n), want: false },
] as const;
for (const c of recordableCases) test(`isRecordableNs() ${c.name}: ${c.want}`, () => assert.equal(isRecordableNs(c.ns), c.want));
