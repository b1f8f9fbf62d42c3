import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CONFLICT_POLICIES, type ConflictPolicy, type Group } from "../config/types.js";
import { conflictContextFor, decideConflict, resolveConflict, type ConflictContext, type ConflictRule, type Resolution } from "./conflict.js";
import { isDeleted, type EntryState } from "./entry.js";
import { dir, file, gone, link } from "./testing-entries.js";

// Hosts in config order: a, b, then the receive-only r. Writers a/b/r; "x" is no longer listed.
const ctx: ConflictContext = { hosts: ["a", "b", "r"], receiveOnly: new Set(["r"]) };
const T = 1_700_000_000_000_000_000n;

interface Case {
  readonly name: string;
  readonly policy: ConflictPolicy;
  readonly local: EntryState;
  readonly remote: EntryState;
  readonly ctx?: Partial<ConflictContext>;
  readonly want: Resolution;
  readonly rule: ConflictRule;
}

const cases: Case[] = [
  // none: nothing is decided, whatever the kinds.
  { name: "none leaves two edits in conflict", policy: "none", local: file({ hash: "aa" }), remote: file({ hash: "bb", by: "b" }), want: "conflict", rule: "none" },
  { name: "none leaves a delete against an edit in conflict", policy: "none", local: gone(), remote: file({ by: "b" }), want: "conflict", rule: "none" },
  // first: the version recorded first.
  { name: "first keeps the earlier local change", policy: "first", local: file({ at: 1 }), remote: file({ at: 2, hash: "bb", by: "b" }), want: "local", rule: "first" },
  { name: "first takes the earlier remote change", policy: "first", local: file({ at: 5 }), remote: file({ at: 2, hash: "bb", by: "b" }), want: "remote", rule: "first" },
  { name: "first lets an earlier deletion win", policy: "first", local: file({ at: 5 }), remote: gone({ at: 2, by: "b" }), want: "remote", rule: "first" },
  { name: "first with equal times falls to the tie-break (larger hash)", policy: "first", local: file({ hash: "aa" }), remote: file({ hash: "bb", by: "b" }), want: "remote", rule: "tie-break" },
  { name: "first with equal times keeps the existing side against a deletion", policy: "first", local: gone(), remote: file({ by: "b" }), want: "remote", rule: "tie-break" },
  // younger / older: mtime; a deletion loses.
  { name: "younger keeps the newer local mtime", policy: "younger", local: file({ mtimeNs: T + 5_000n }), remote: file({ hash: "bb", by: "b" }), want: "local", rule: "younger" },
  { name: "younger takes the newer remote mtime", policy: "younger", local: file(), remote: file({ mtimeNs: T + 1_000n, hash: "bb", by: "b" }), want: "remote", rule: "younger" },
  { name: "younger: a local deletion loses", policy: "younger", local: gone({ at: 9e12 }), remote: file({ by: "b" }), want: "remote", rule: "younger" },
  { name: "younger: a remote deletion loses", policy: "younger", local: file(), remote: gone({ by: "b", at: 9e12 }), want: "local", rule: "younger" },
  { name: "younger with equal mtimes falls to the tie-break", policy: "younger", local: file({ hash: "cc" }), remote: file({ hash: "bb", by: "b" }), want: "local", rule: "tie-break" },
  { name: "older keeps the older local mtime", policy: "older", local: file(), remote: file({ mtimeNs: T + 1_000n, hash: "bb", by: "b" }), want: "local", rule: "older" },
  { name: "older takes the older remote mtime", policy: "older", local: file({ mtimeNs: T + 1_000n }), remote: file({ hash: "bb", by: "b" }), want: "remote", rule: "older" },
  { name: "older: a deletion loses too", policy: "older", local: gone(), remote: file({ by: "b" }), want: "remote", rule: "older" },
  { name: "older compares a dir with a file by mtime", policy: "older", local: dir({ mtimeNs: T - 1_000n }), remote: file({ by: "b" }), want: "local", rule: "older" },
  // bigger / smaller: size; links by target length, dirs 0; a deletion loses.
  { name: "bigger keeps the larger local file", policy: "bigger", local: file({ size: 30 }), remote: file({ size: 20, hash: "bb", by: "b" }), want: "local", rule: "bigger" },
  { name: "bigger takes the larger remote file", policy: "bigger", local: file({ size: 3 }), remote: file({ size: 20, hash: "bb", by: "b" }), want: "remote", rule: "bigger" },
  { name: "bigger measures a link by its target", policy: "bigger", local: link({ target: "abcdefghijklmnop" }), remote: file({ size: 10, by: "b" }), want: "local", rule: "bigger" },
  { name: "bigger: a deletion loses", policy: "bigger", local: file({ size: 0 }), remote: gone({ by: "b" }), want: "local", rule: "bigger" },
  { name: "smaller keeps the smaller local file", policy: "smaller", local: file({ size: 3 }), remote: file({ size: 20, hash: "bb", by: "b" }), want: "local", rule: "smaller" },
  { name: "smaller takes an empty dir over a file", policy: "smaller", local: file({ size: 1 }), remote: dir({ by: "b" }), want: "remote", rule: "smaller" },
  { name: "smaller: a deletion loses", policy: "smaller", local: gone(), remote: file({ size: 9e9, by: "b" }), want: "remote", rule: "smaller" },
  { name: "smaller with equal sizes falls to the tie-break", policy: "smaller", local: file({ hash: "aa" }), remote: file({ hash: "ab", by: "b" }), want: "remote", rule: "tie-break" },
  // left / right: host order of the writers.
  { name: "left keeps the version written by the earlier host", policy: "left", local: file({ by: "a" }), remote: file({ hash: "bb", by: "b" }), want: "local", rule: "left" },
  { name: "left takes the version written by the earlier host", policy: "left", local: file({ by: "b" }), remote: file({ hash: "bb", by: "a" }), want: "remote", rule: "left" },
  { name: "left counts a deletion like an edit", policy: "left", local: file({ by: "b" }), remote: gone({ by: "a" }), want: "remote", rule: "left" },
  { name: "left ranks a listed writer before an unlisted one", policy: "left", local: file({ by: "x" }), remote: file({ hash: "bb", by: "b" }), want: "remote", rule: "left" },
  { name: "right keeps the version written by the later host", policy: "right", local: file({ by: "b" }), remote: file({ hash: "bb", by: "a" }), want: "local", rule: "right" },
  { name: "right takes the version written by the later host", policy: "right", local: gone({ by: "a" }), remote: file({ by: "b" }), want: "remote", rule: "right" },
  { name: "right ranks a listed writer before an unlisted one", policy: "right", local: file({ by: "a" }), remote: file({ hash: "bb", by: "x" }), want: "local", rule: "right" },
  { name: "left with one writer for both falls to the tie-break", policy: "left", local: file({ hash: "aa" }), remote: file({ hash: "bb" }), want: "remote", rule: "tie-break" },
  // receive-only and force come before the policy.
  { name: "a writable host beats a receive-only one even under none", policy: "none", local: file({ by: "r" }), remote: file({ hash: "bb", by: "a" }), want: "remote", rule: "receive-only" },
  { name: "a writable host beats a receive-only one against the policy", policy: "younger", local: file({ by: "a" }), remote: file({ mtimeNs: T + 9_000n, by: "r" }), want: "local", rule: "receive-only" },
  { name: "a forced local version beats the policy", policy: "none", local: file(), remote: file({ hash: "bb", by: "b" }), ctx: { localForced: true }, want: "local", rule: "forced" },
  { name: "a forced remote version beats the policy", policy: "younger", local: file({ mtimeNs: T + 9_000n }), remote: file({ hash: "bb", by: "b" }), ctx: { remoteForced: true }, want: "remote", rule: "forced" },
  { name: "two forced versions fall back to the policy", policy: "none", local: file(), remote: file({ hash: "bb", by: "b" }), ctx: { localForced: true, remoteForced: true }, want: "conflict", rule: "none" },
  { name: "force does not lift a receive-only version over a writable one", policy: "none", local: file({ by: "r" }), remote: file({ hash: "bb", by: "b" }), ctx: { localForced: true }, want: "remote", rule: "receive-only" },
  // tie-breaks beyond content.
  { name: "tie-break prefers the larger mode when content is equal", policy: "first", local: file({ mode: 0o600 }), remote: file({ mode: 0o644, by: "b" }), want: "remote", rule: "tie-break" },
  { name: "tie-break prefers the larger writer name last", policy: "first", local: file({ by: "b" }), remote: file({ by: "a" }), want: "local", rule: "tie-break" },
];

for (const c of cases) {
  test(`resolveConflict() ${c.name}`, () => {
    const context = { ...ctx, ...c.ctx };
    assert.equal(resolveConflict(c.policy, c.local, c.remote, context), c.want);
    assert.deepEqual(decideConflict(c.policy, c.local, c.remote, context), { resolution: c.want, rule: c.rule });
  });
}

// Every (local kind × remote kind) under every policy, pinned. Local was written by "b" (listed
// after "a") at 2 with the later mtime; remote by "a" at 1 with the earlier mtime. Sizes: file 10
// vs 20, dir 0 vs 0, link target "tt" (2) vs "u" (1). Columns: remote file, dir, symlink,
// deleted; L local wins, R remote wins, C conflict left (none). Equal keys fall to the
// tie-break (an existing entry beats a deletion, then content, then attributes: the later
// dir mtime, then the writer name "b" > "a"), so no cell depends on who asks.
const KINDS = ["file", "dir", "symlink", "deleted"] as const;
const LOCAL_OF = {
  file: file({ by: "b", at: 2, size: 10, hash: "aa", mtimeNs: T + 2_000n }),
  dir: dir({ by: "b", at: 2, mtimeNs: T + 2_000n }),
  symlink: link({ by: "b", at: 2, target: "tt", mtimeNs: T + 2_000n }),
  deleted: gone({ by: "b", at: 2 }),
};
const REMOTE_OF = {
  file: file({ by: "a", at: 1, size: 20, hash: "bb", mtimeNs: T + 1_000n }),
  dir: dir({ by: "a", at: 1, mtimeNs: T + 1_000n }),
  symlink: link({ by: "a", at: 1, target: "u", mtimeNs: T + 1_000n }),
  deleted: gone({ by: "a", at: 1 }),
};
const GRID: Record<ConflictPolicy, Record<(typeof KINDS)[number], string>> = {
  none: { file: "CCCC", dir: "CCCC", symlink: "CCCC", deleted: "CCCC" },
  first: { file: "RRRR", dir: "RRRR", symlink: "RRRR", deleted: "RRRR" },
  younger: { file: "LLLL", dir: "LLLL", symlink: "LLLL", deleted: "RRRL" },
  older: { file: "RRRL", dir: "RRRL", symlink: "RRRL", deleted: "RRRL" },
  bigger: { file: "RLLL", dir: "RLRL", symlink: "RLLL", deleted: "RRRL" },
  smaller: { file: "LRRL", dir: "LLLL", symlink: "LRRL", deleted: "RRRL" },
  left: { file: "RRRR", dir: "RRRR", symlink: "RRRR", deleted: "RRRR" },
  right: { file: "LLLL", dir: "LLLL", symlink: "LLLL", deleted: "LLLL" },
};
const CELL: Record<string, Resolution> = { L: "local", R: "remote", C: "conflict" };

for (const policy of CONFLICT_POLICIES) {
  test(`resolveConflict() under ${policy}: every pair of kinds, the same winner from both ends`, () => {
    for (const lk of KINDS) {
      KINDS.forEach((rk, i) => {
        const want = CELL[GRID[policy][lk][i]!]!;
        const local = LOCAL_OF[lk];
        const remote = REMOTE_OF[rk];
        assert.equal(resolveConflict(policy, local, remote, ctx), want, `${policy}: local ${lk} × remote ${rk}`);
        const mirrored = resolveConflict(policy, remote, local, ctx);
        assert.equal(mirrored, want === "conflict" ? "conflict" : want === "local" ? "remote" : "local", `${policy}: mirrored ${rk} × ${lk}`);
      });
    }
  });
}

// The property that lets syncs run in any order: both ends pick the same version.
const arbEntry: fc.Arbitrary<EntryState> = fc
  .record({
    kind: fc.constantFrom("file", "dir", "symlink", "deleted"),
    by: fc.constantFrom("a", "b", "r", "x"),
    at: fc.integer({ min: 0, max: 3 }),
    mtime: fc.bigInt({ min: 0n, max: 3n }),
    size: fc.integer({ min: 0, max: 3 }),
    hash: fc.constantFrom("aa", "bb", "cc"),
    target: fc.constantFrom("t", "tt", "u"),
    mode: fc.constantFrom(0o644, 0o600),
    uid: fc.constantFrom(0, 1),
  })
  .map((r): EntryState => {
    // Whole microseconds: the precision versions are compared at (mtimeKey).
    const base = { by: r.by, at: r.at, mtimeNs: T + r.mtime * 1_000n, mode: r.mode, uid: r.uid };
    if (r.kind === "file") return file({ ...base, size: r.size, hash: r.hash });
    if (r.kind === "dir") return dir(base);
    if (r.kind === "symlink") return link({ by: r.by, at: r.at, mtimeNs: T + r.mtime * 1_000n, target: r.target, uid: r.uid });
    return gone({ by: r.by, at: r.at });
  });

test("resolveConflict() picks the same version from both viewpoints, under every policy", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CONFLICT_POLICIES),
      arbEntry,
      arbEntry,
      fc.boolean(),
      fc.boolean(),
      (policy, a, b, aForced, bForced) => {
        const onA = resolveConflict(policy, a, b, { ...ctx, localForced: aForced, remoteForced: bForced });
        const onB = resolveConflict(policy, b, a, { ...ctx, localForced: bForced, remoteForced: aForced });
        // Identical versions may each keep "their own": the same bytes either way.
        if (onA === "conflict" || onB === "conflict") assert.equal(onB, onA);
        else assert.deepEqual(onB === "local" ? b : a, onA === "local" ? a : b);
      },
    ),
    { numRuns: 5000 },
  );
});

// The writer's node holds a version's mtime to the ns, its peers to the microsecond (all they
// can set back): every node must decide the same on either.
test("resolveConflict() decides the same whether an mtime carries its sub-microsecond digits or not", () => {
  fc.assert(
    fc.property(fc.constantFrom(...CONFLICT_POLICIES), arbEntry, arbEntry, fc.bigInt({ min: 1n, max: 999n }), (policy, a, b, extra) => {
      const precise = isDeleted(a) ? a : { ...a, mtimeNs: a.mtimeNs + extra };
      assert.equal(resolveConflict(policy, precise, b, ctx), resolveConflict(policy, a, b, ctx));
    }),
    { numRuns: 3000 },
  );
});

test("resolveConflict() decides every pair of distinct versions unless the policy is none", () => {
  fc.assert(
    fc.property(fc.constantFrom(...CONFLICT_POLICIES.filter((p) => p !== "none")), arbEntry, arbEntry, (policy, a, b) => {
      assert.notEqual(resolveConflict(policy, a, b, ctx), "conflict");
    }),
  );
});

test("conflictContextFor() rebuilds the config's host order and receive-only set", () => {
  const at = { file: "x.cfg", line: 1, column: 1 };
  const host = (name: string, leftOfLocal: boolean, receiveOnly = false) => ({ name, address: `${name}-eth0`, port: 30865, receiveOnly, leftOfLocal, at });
  const group = { local: host("b", false), peers: [host("a", true), host("c", false, true), host("d", false)] } as unknown as Group;
  assert.deepEqual(conflictContextFor(group, { remote: true }), {
    hosts: ["a-eth0", "b-eth0", "c-eth0", "d-eth0"],
    receiveOnly: new Set(["c-eth0"]),
    localForced: false,
    remoteForced: true,
  });
});
