import assert from "node:assert/strict";
import { test } from "node:test";
import { checktxtDifference, csync2UrlDecode, parseChecktxt, unsentDeletionPaths, type Csync2Checktxt, type DiskState } from "./csync2-db.js";

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

const decodeCases = [
  { name: "plain path", raw: "/etc/hosts", want: "/etc/hosts" },
  { name: "prefix-encoded name", raw: "%25www%25/a", want: "%www%/a" },
  { name: "space, colon and percent (csync2.md §5.2 example)", raw: "sp%20ace%3A%25%27q", want: "sp ace:%'q" },
  { name: "lower-case hex", raw: "a%3ab", want: "a:b" },
  { name: "a % without two hex digits stays", raw: "50%", want: "50%" },
  { name: "a % followed by non-hex stays", raw: "%zz", want: "%zz" },
  { name: "raw high bytes pass through", raw: "caf\xe9", want: "caf\xe9" },
] as const;

for (const c of decodeCases) {
  test(`csync2UrlDecode() ${c.name}`, () => assert.equal(text(csync2UrlDecode(bytes(c.raw))), c.want));
}

const base = { mtimeS: undefined, mode: undefined, uid: undefined, gid: undefined, size: undefined, target: undefined };

const parseCases: readonly { name: string; stored: string; want: Partial<Csync2Checktxt> | string }[] = [
  {
    name: "a regular file, as stored (URL-encoded)",
    stored: "v1%3Amtime=1795462095%3Amode=33188%3Auid=0%3Agid=0%3Atype=reg%3Asize=6",
    want: { type: "reg", mtimeS: 1795462095n, mode: 33188, uid: 0, gid: 0, size: 6n },
  },
  { name: "a directory has no mtime", stored: "v1%3Amode=16877%3Auid=0%3Agid=0%3Atype=dir", want: { type: "dir", mode: 16877, uid: 0, gid: 0 } },
  {
    name: "a symlink target is URL-encoded twice",
    stored: "v1%3Amode=41471%3Auid=0%3Agid=0%3Atype=lnk%3Atarget=a%2520b%253Ac",
    want: { type: "lnk", mode: 41471, uid: 0, gid: 0, target: bytes("a b:c") },
  },
  { name: "ignore uid gid mod drop fields", stored: "v1%3Amtime=5%3Atype=reg%3Asize=1", want: { type: "reg", mtimeS: 5n, size: 1n } },
  { name: "a negative mtime", stored: "v1:mtime=-2:mode=33188:uid=1:gid=2:type=reg:size=0", want: { type: "reg", mtimeS: -2n, mode: 33188, uid: 1, gid: 2, size: 0n } },
  { name: "a device", stored: "v1:mtime=1:mode=8630:uid=0:gid=0:type=chr:dev=0", want: { type: "chr", mtimeS: 1n, mode: 8630, uid: 0, gid: 0 } },
  { name: "another version", stored: "v2:type=reg", want: 'unknown checktxt version "v2" (expected v1)' },
  { name: "an unknown type", stored: "v1:type=door", want: 'type "door" is not one of reg, dir, lnk, chr, blk, fifo, sock' },
  { name: "no type", stored: "v1:mode=1", want: 'type "" is not one of reg, dir, lnk, chr, blk, fifo, sock' },
  { name: "a field without =", stored: "v1:mode:type=reg", want: 'field "mode" is not name=value' },
  { name: "a word for a number", stored: "v1:size=big:type=reg", want: 'field "size" is not an integer: "big"' },
  { name: "a field twice", stored: "v1:uid=1:uid=2:type=reg", want: 'field "uid" appears twice' },
];

for (const c of parseCases) {
  test(`parseChecktxt() ${c.name}`, () => {
    const r = parseChecktxt(bytes(c.stored));
    if (typeof c.want === "string") assert.deepEqual(r, { ok: false, reason: c.want });
    else assert.deepEqual(r, { ok: true, value: { ...base, ...c.want } });
  });
}

const file: DiskState = { kind: "file", mode: 33188, uid: 0, gid: 0, mtimeNs: 1795462095_999_999_999n, size: 6, target: undefined };
const recorded = (stored: string): Csync2Checktxt => {
  const r = parseChecktxt(bytes(stored));
  assert.ok(r.ok);
  return r.value;
};
const REG = "v1:mtime=1795462095:mode=33188:uid=0:gid=0:type=reg:size=6";

const diffCases: readonly { name: string; stored: string; disk: DiskState; want: string | undefined }[] = [
  { name: "same file (mtime floored to seconds)", stored: REG, disk: file, want: undefined },
  { name: "mtime moved", stored: REG, disk: { ...file, mtimeNs: 1795462096_000_000_000n }, want: "mtime 1795462095 recorded, 1795462096 on disk" },
  { name: "size changed", stored: REG, disk: { ...file, size: 7 }, want: "size 6 recorded, 7 on disk" },
  { name: "mode changed", stored: REG, disk: { ...file, mode: 33261 }, want: "mode 33188 recorded, 33261 on disk" },
  { name: "owner changed", stored: REG, disk: { ...file, uid: 1000 }, want: "uid 0 recorded, 1000 on disk" },
  { name: "group changed", stored: REG, disk: { ...file, gid: 1000 }, want: "gid 0 recorded, 1000 on disk" },
  { name: "ignored uid is not compared", stored: "v1:mtime=1795462095:mode=33188:gid=0:type=reg:size=6", disk: { ...file, uid: 7 }, want: undefined },
  { name: "now a directory", stored: REG, disk: { ...file, kind: "dir" }, want: "type reg recorded, dir on disk" },
  { name: "a fifo never matches", stored: "v1:mode=4516:uid=0:gid=0:type=fifo", disk: file, want: "type fifo recorded, file on disk" },
  { name: "a directory's mtime is not compared", stored: "v1:mode=16877:uid=0:gid=0:type=dir", disk: { ...file, kind: "dir", mode: 16877, size: 4096 }, want: undefined },
  {
    name: "same symlink",
    stored: "v1:mode=41471:uid=0:gid=0:type=lnk:target=a",
    disk: { ...file, kind: "symlink", mode: 41471, size: 1, target: bytes("a") },
    want: undefined,
  },
  {
    name: "symlink retargeted",
    stored: "v1:mode=41471:uid=0:gid=0:type=lnk:target=a",
    disk: { ...file, kind: "symlink", mode: 41471, size: 1, target: bytes("b") },
    want: "symlink target differs",
  },
  {
    name: "empty target (csync2's prefix bug) is not compared",
    stored: "v1:mode=41471:uid=0:gid=0:type=lnk:target=",
    disk: { ...file, kind: "symlink", mode: 41471, size: 1, target: bytes("b") },
    want: undefined,
  },
];

for (const c of diffCases) {
  test(`checktxtDifference() ${c.name}`, () => assert.equal(checktxtDifference(recorded(c.stored), c.disk), c.want));
}

const unsentCases: readonly { name: string; dirty: string[]; recorded: string[]; want: string[] }[] = [
  { name: "nothing dirty", dirty: [], recorded: ["/d/a"], want: [] },
  { name: "dirty with a file row is a change, not a deletion", dirty: ["/d/a"], recorded: ["/d/a"], want: [] },
  { name: "dirty without a file row is a deletion", dirty: ["/d/b"], recorded: ["/d/a"], want: ["/d/b"] },
  { name: "one row per peer counts once, sorted", dirty: ["/d/z", "/d/b", "/d/z"], recorded: [], want: ["/d/b", "/d/z"] },
  { name: "a path no group of this node includes is left out", dirty: ["/elsewhere/x", "/d/b"], recorded: [], want: ["/d/b"] },
];

for (const c of unsentCases) {
  test(`unsentDeletionPaths() ${c.name}`, () => {
    assert.deepEqual(unsentDeletionPaths(c.dirty, new Set(c.recorded), (p) => p.startsWith("/d/")), c.want);
  });
}
