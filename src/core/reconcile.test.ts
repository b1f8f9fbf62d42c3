import assert from "node:assert/strict";
import { test } from "node:test";
import { CONFLICT_POLICIES, type ConflictPolicy } from "../config/types.js";
import type { ConflictContext } from "./conflict.js";
import type { EntryState } from "./entry.js";
import { reconcile, type Decision, type ReconcileInput } from "./reconcile.js";
import { dir, file, gone, link, makers } from "./testing-entries.js";
import { mergeVectors, vectorFromWire, vectorToWire } from "./vector.js";

// Hosts a and b are writable, r is receive-only. Unless a row says otherwise this node is b
// and the pusher is a.
const context: ConflictContext = { hosts: ["a", "b", "r"], receiveOnly: new Set(["r"]) };
const T = 1_700_000_000_000_000_000n;
const OLD = { a: 1 };
const B_NEWER = { a: 1, b: 1 };
const A_NEWER = { a: 2 };

interface Row {
  readonly name: string;
  readonly local: EntryState | undefined;
  readonly remote: EntryState;
  readonly policy?: ConflictPolicy;
  readonly localNode?: string;
  /** The pusher; "a" unless given, "" for none. */
  readonly remoteNode?: string;
  readonly ctx?: Partial<ConflictContext>;
  readonly ignore?: ReconcileInput["ignore"];
  readonly localChildren?: boolean;
  readonly want: Partial<Decision> & { kind: Decision["kind"] };
}

const rows: Row[] = [
  // Nothing to do.
  { name: "is in sync when both hold the same file", local: file({ vector: OLD }), remote: file({ vector: OLD }), want: { kind: "in-sync" } },
  { name: "is in sync when concurrent edits wrote the same state", local: file({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER }), want: { kind: "in-sync" } },
  { name: "records a tombstone for a path it never knew", local: undefined, remote: gone({ vector: OLD }), want: { kind: "in-sync" } },
  { name: "ignores a mode difference under ignore mod", local: file({ vector: OLD }), remote: file({ vector: A_NEWER, mode: 0o600 }), ignore: { uid: false, gid: false, mod: true }, want: { kind: "in-sync" } },
  { name: "ignores a dir mtime difference", local: dir({ vector: OLD }), remote: dir({ vector: A_NEWER, mtimeNs: T + 99n }), want: { kind: "in-sync" } },
  { name: "ignores an mtime difference below a microsecond", local: file({ vector: OLD }), remote: file({ vector: A_NEWER, mtimeNs: T + 999n }), want: { kind: "in-sync" } },
  // Remote dominates.
  { name: "takes a new remote file", local: undefined, remote: file({ vector: OLD }), want: { kind: "take-remote", apply: "write" } },
  { name: "takes remote when remote dominates", local: file({ vector: OLD }), remote: file({ vector: A_NEWER, hash: "bb" }), want: { kind: "take-remote", apply: "write" } },
  { name: "takes only attributes when only the mode changed", local: file({ vector: OLD }), remote: file({ vector: A_NEWER, mode: 0o600 }), want: { kind: "take-remote", apply: "meta" } },
  { name: "takes only attributes when the owner name changed", local: file({ vector: OLD }), remote: file({ vector: A_NEWER, userName: "www" }), want: { kind: "take-remote", apply: "meta" } },
  { name: "deletes when a remote tombstone dominates", local: file({ vector: OLD }), remote: gone({ vector: A_NEWER }), want: { kind: "take-remote", apply: "delete" } },
  { name: "replaces a file by a dir when remote dominates", local: file({ vector: OLD }), remote: dir({ vector: A_NEWER }), want: { kind: "take-remote", apply: "write" } },
  { name: "recreates a file over its own older tombstone", local: gone({ vector: OLD }), remote: file({ vector: A_NEWER }), want: { kind: "take-remote", apply: "write" } },
  { name: "retargets a symlink when remote dominates", local: link({ vector: OLD }), remote: link({ vector: A_NEWER, target: "u" }), want: { kind: "take-remote", apply: "write" } },
  { name: "takes remote when remote dominates even if ours is forced", local: file({ vector: OLD }), remote: file({ vector: A_NEWER, hash: "bb" }), ctx: { localForced: true }, want: { kind: "take-remote", apply: "write" } },
  // Local dominates: the pusher is behind.
  { name: "keeps local when local dominates", local: file({ vector: B_NEWER, by: "b", hash: "bb" }), remote: file({ vector: OLD }), want: { kind: "keep-local", sendBack: true } },
  { name: "keeps local against a stale tombstone", local: file({ vector: B_NEWER, by: "b" }), remote: gone({ vector: OLD }), want: { kind: "keep-local", sendBack: true } },
  { name: "keeps local when local dominates even if the pusher forced", local: file({ vector: B_NEWER, by: "b", hash: "bb" }), remote: file({ vector: OLD }), ctx: { remoteForced: true }, want: { kind: "keep-local", sendBack: true } },
  { name: "keeps local on a receive-only node without sending back", localNode: "r", local: file({ vector: { a: 1, b: 1 }, by: "b", hash: "bb" }), remote: file({ vector: OLD }), want: { kind: "keep-local", sendBack: false } },
  { name: "refuses a version written on a receive-only host", local: file({ vector: OLD }), remote: file({ vector: { a: 1, r: 1 }, by: "r", hash: "bb" }), want: { kind: "keep-local", sendBack: true } },
  // One side lost its history of the path (its index rebuilt): its counter restarted at one the
  // other has seen, so the vectors alone would call its write behind.
  { name: "a pusher that lost its history does not read as behind: younger settles it, ours backed up", local: file({ vector: { a: 3 } }), remote: file({ vector: OLD, hash: "bb", mtimeNs: T + 5000n }), policy: "younger", want: { kind: "conflict-remote-wins", apply: "write", backup: true, rule: "younger", vector: vectorFromWire({ a: 4 }) } },
  { name: "a pusher that lost its history: an older write of its loses to ours under younger", local: file({ vector: { a: 3 } }), remote: file({ vector: OLD, hash: "bb", mtimeNs: T - 5000n }), policy: "younger", want: { kind: "conflict-local-wins", sendBack: true, rule: "younger", vector: vectorFromWire({ a: 4 }) } },
  { name: "a pusher that lost its history leaves the conflict to the operator under none", local: file({ vector: { a: 3, b: 1 }, by: "b" }), remote: file({ vector: OLD, hash: "bb" }), policy: "none", want: { kind: "conflict-unresolved" } },
  { name: "a tombstone the pusher forgot: its new file is concurrent with the deletion", local: gone({ vector: { a: 5 } }), remote: file({ vector: OLD, mtimeNs: T + 5000n }), policy: "younger", want: { kind: "conflict-remote-wins", apply: "write", backup: false, rule: "younger", vector: vectorFromWire({ a: 6 }) } },
  { name: "this node lost its history: the pusher's copy of our change is not simply newer", local: file({ vector: { b: 1 }, by: "b", mtimeNs: T + 5000n }), remote: file({ vector: { a: 1, b: 3 }, hash: "bb" }), policy: "younger", want: { kind: "conflict-local-wins", sendBack: true, rule: "younger", vector: vectorFromWire({ a: 1, b: 4 }) } },
  { name: "a pusher behind by another node's change is behind, not forgetful", local: file({ vector: { a: 2, c: 1 }, by: "c", hash: "bb" }), remote: file({ vector: { a: 2 } }), want: { kind: "keep-local", sendBack: true } },
  { name: "without the pusher's name only this node's own lost history is noticed", remoteNode: "", local: file({ vector: { a: 3 } }), remote: file({ vector: OLD, hash: "bb" }), want: { kind: "keep-local", sendBack: true } },
  // Concurrent.
  { name: "leaves two edits unresolved under none", local: file({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER, hash: "bb" }), policy: "none", want: { kind: "conflict-unresolved" } },
  { name: "leaves a delete against an edit unresolved under none", local: gone({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER, hash: "bb" }), policy: "none", want: { kind: "conflict-unresolved" } },
  { name: "backs up and takes the younger remote edit", local: file({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER, hash: "bb", mtimeNs: T + 5000n }), policy: "younger", want: { kind: "conflict-remote-wins", apply: "write", backup: true, rule: "younger" } },
  { name: "keeps the older local edit under older", local: file({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER, hash: "bb", mtimeNs: T + 5000n }), policy: "older", want: { kind: "conflict-local-wins", sendBack: true, rule: "older" } },
  { name: "backs up and deletes when an earlier remote delete wins under first", local: file({ vector: B_NEWER, by: "b", at: 9 }), remote: gone({ vector: A_NEWER, at: 1 }), policy: "first", want: { kind: "conflict-remote-wins", apply: "delete", backup: true, rule: "first" } },
  { name: "restores a file over a local delete under younger (removal loses)", local: gone({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER }), policy: "younger", want: { kind: "conflict-remote-wins", apply: "write", backup: false, rule: "younger" } },
  { name: "keeps a local edit against a remote delete under bigger", local: file({ vector: B_NEWER, by: "b" }), remote: gone({ vector: A_NEWER }), policy: "bigger", want: { kind: "conflict-local-wins", rule: "bigger" } },
  { name: "takes the left host's edit under left", local: file({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER, hash: "bb" }), policy: "left", want: { kind: "conflict-remote-wins", rule: "left" } },
  { name: "keeps the right host's edit under right", local: file({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER, hash: "bb" }), policy: "right", want: { kind: "conflict-local-wins", rule: "right" } },
  { name: "settles attribute-only conflicts by tie-break even under none", local: dir({ vector: B_NEWER, by: "b", mode: 0o40700 }), remote: dir({ vector: A_NEWER }), policy: "none", want: { kind: "conflict-remote-wins", apply: "meta", backup: false, rule: "tie-break" } },
  { name: "lets a forced remote win under none", local: file({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER, hash: "bb" }), policy: "none", ctx: { remoteForced: true }, want: { kind: "conflict-remote-wins", rule: "forced", backup: true } },
  { name: "lets a forced local win under none", local: file({ vector: B_NEWER, by: "b" }), remote: file({ vector: A_NEWER, hash: "bb" }), policy: "none", ctx: { localForced: true }, want: { kind: "conflict-local-wins", rule: "forced", sendBack: true } },
  { name: "treats equal vectors over different files as concurrent", local: file({ vector: OLD }), remote: file({ vector: OLD, hash: "bb", mtimeNs: T + 5000n }), policy: "younger", want: { kind: "conflict-remote-wins", rule: "younger" } },
  // Drift on a receive-only node.
  { name: "reports drift and backs up a concurrent local edit", localNode: "r", local: file({ vector: { a: 1, r: 1 }, by: "r", hash: "bb" }), remote: file({ vector: A_NEWER }), want: { kind: "drift", apply: "write", backup: true } },
  { name: "reports drift when the local edit dominates", localNode: "r", local: file({ vector: { a: 1, r: 1 }, by: "r", hash: "bb" }), remote: file({ vector: OLD }), want: { kind: "drift", apply: "write", backup: true } },
  { name: "reports drift and restores a locally deleted file", localNode: "r", local: gone({ vector: { a: 1, r: 1 }, by: "r" }), remote: file({ vector: OLD }), want: { kind: "drift", apply: "write", backup: false } },
  { name: "reports drift and restores a local chmod", localNode: "r", local: file({ vector: { a: 1, r: 1 }, by: "r", mode: 0o777 }), remote: file({ vector: OLD }), want: { kind: "drift", apply: "meta", backup: false } },
  { name: "reports drift even when the drift was forced", localNode: "r", local: file({ vector: { a: 1, r: 1 }, by: "r", hash: "bb" }), remote: file({ vector: A_NEWER }), ctx: { localForced: true }, want: { kind: "drift", backup: true } },
  { name: "reports drift under every policy, none included", localNode: "r", policy: "none", local: file({ vector: { a: 1, r: 1 }, by: "r", hash: "bb" }), remote: file({ vector: A_NEWER }), want: { kind: "drift" } },
  // A directory that still holds entries survives a deletion of it (a new version of this node).
  { name: "keeps a directory with children against a dominating deletion", local: dir({ vector: OLD }), remote: gone({ vector: A_NEWER }), localChildren: true, want: { kind: "keep-dir", vector: vectorFromWire({ a: 2, b: 1 }) } },
  { name: "keeps a directory with children against a concurrent deletion under first", local: dir({ vector: B_NEWER, by: "b", at: 9 }), remote: gone({ vector: A_NEWER, at: 1 }), policy: "first", localChildren: true, want: { kind: "keep-dir", vector: vectorFromWire({ a: 2, b: 2 }) } },
  { name: "deletes an empty directory when the deletion dominates", local: dir({ vector: OLD }), remote: gone({ vector: A_NEWER }), localChildren: false, want: { kind: "take-remote", apply: "delete" } },
  { name: "keeps local against a stale deletion of a directory with children", local: dir({ vector: B_NEWER, by: "b" }), remote: gone({ vector: OLD }), localChildren: true, want: { kind: "keep-local", sendBack: true } },
  { name: "keeps a directory with children against a dominating symlink in its place", local: dir({ vector: OLD }), remote: link({ vector: A_NEWER }), localChildren: true, want: { kind: "keep-dir" } },
  { name: "backs up a file replaced by a newer directory", local: file({ vector: OLD }), remote: dir({ vector: A_NEWER }), want: { kind: "take-remote", apply: "write", backup: true } },
  { name: "lets a receive-only node's directory go (drift rules first)", localNode: "r", local: dir({ vector: OLD }), remote: gone({ vector: A_NEWER }), localChildren: true, want: { kind: "take-remote", apply: "delete" } },
  { name: "takes a new file on a receive-only node without drift", localNode: "r", local: undefined, remote: file({ vector: OLD }), want: { kind: "take-remote", apply: "write" } },
];

function run(row: Pick<Row, "local" | "remote" | "policy" | "localNode" | "remoteNode" | "ctx" | "ignore" | "localChildren">): Decision {
  return reconcile({
    local: row.local,
    remote: row.remote,
    policy: row.policy ?? "none",
    localNode: row.localNode ?? "b",
    ...(row.remoteNode === "" ? {} : { remoteNode: row.remoteNode ?? "a" }),
    context: { ...context, ...row.ctx },
    ...(row.ignore ? { ignore: row.ignore } : {}),
    ...(row.localChildren === undefined ? {} : { localChildren: row.localChildren }),
  });
}

for (const row of rows) {
  test(`reconcile() ${row.name}`, () => {
    const got = run(row);
    for (const [key, value] of Object.entries(row.want)) assert.deepEqual(got[key as keyof Decision], value, `${key} of ${JSON.stringify(got)}`);
    // Past a lost history the result counts one more version of the node that lost it (pinned by the row).
    if (got.kind !== "conflict-unresolved" && got.kind !== "keep-dir" && !("vector" in row.want)) {
      assert.deepEqual(vectorToWire(got.vector), vectorToWire(mergeVectors(row.local?.vector ?? {}, row.remote.vector)));
    }
  });
}

// The exhaustive matrix: every (local kind × remote kind × vector relation × same/different
// state) under every policy, both -f flags and each kind of local node. Expected outcomes are
// pinned by the rows above and by conflict.test.ts; here every combination must be decided,
// obey the invariants, and give the pusher the same resulting state and vector.
type Kind = EntryState["kind"];
const LOCAL_KINDS: (Kind | "absent")[] = ["absent", "file", "dir", "symlink", "deleted"];
const REMOTE_KINDS: Kind[] = ["file", "dir", "symlink", "deleted"];
const RELATIONS = ["equal", "dominates", "dominated", "concurrent"] as const;
type Relation = (typeof RELATIONS)[number];
const FORCES = [{}, { localForced: true }, { remoteForced: true }, { localForced: true, remoteForced: true }];
// [this node, writer of its version]: a writable node, a receive-only node with its own
// drift, and a receive-only node holding what a writer sent it.
const SETUPS = [["b", "b"], ["r", "r"], ["r", "b"]] as const;

function vectors(relation: Relation, w: string): [Record<string, number>, Record<string, number>] {
  switch (relation) {
    case "equal": return [{ a: 1, [w]: 1 }, { a: 1, [w]: 1 }];
    case "dominates": return [{ a: 1, [w]: 2 }, { a: 1, [w]: 1 }];
    case "dominated": return [{ a: 1, [w]: 1 }, { a: 2, [w]: 1 }];
    case "concurrent": return [{ a: 1, [w]: 2 }, { a: 2, [w]: 1 }];
  }
}

// "different" changes content where the kind has content, else an attribute.
const differ = { hash: "bb", size: 20, mtimeNs: T + 5000n, target: "u", mode: 0o700 };

function entry(kind: Kind, v: Record<string, number>, by: string, at: number, different: boolean): EntryState {
  const extra = different ? differ : {};
  if (kind === "symlink") return link({ vector: v, by, at, ...(different ? { target: "u" } : {}) });
  if (kind === "deleted") return gone({ vector: v, by, at });
  return makers[kind]({ vector: v, by, at, ...extra } as never);
}

/** The state and version info a node ends up holding, seen from that node's decision. */
function result(d: Decision, local: EntryState | undefined, remote: EntryState): string {
  const held = (e: EntryState, info: EntryState) => `${e.kind} ${e.kind === "deleted" ? "" : sameAs(e)} by ${info.modifiedBy} at ${info.changedAtMs}`;
  switch (d.kind) {
    case "in-sync": return held(local ?? remote, d.versionOf === "local" ? (local ?? remote) : remote);
    case "keep-local": case "conflict-local-wins": return held(local ?? remote, local ?? remote);
    case "take-remote": case "conflict-remote-wins": case "drift": return held(remote, remote);
    case "conflict-unresolved": return "unresolved";
    case "keep-dir": return `kept dir ${local?.kind ?? "absent"}`;
  }
}

/** The compared fields only (what sameContent/sameMeta look at, mtime in microseconds). */
function sameAs(e: Exclude<EntryState, { kind: "deleted" }>): string {
  const mtime = e.kind === "file" ? String(e.mtimeNs / 1000n) : "";
  return [e.kind === "file" ? e.hash : "", e.kind === "symlink" ? e.target : "", e.kind === "symlink" ? "" : e.mode, e.uid, e.gid, mtime].join(",");
}

function checkInvariants(d: Decision, local: EntryState | undefined, remote: EntryState, localNode: string, policy: ConflictPolicy): void {
  if ("apply" in d) assert.notEqual(d.apply, "none", "a decision that applies must change the disk");
  if (d.kind === "take-remote") assert.equal(d.backup ?? false, local?.kind === "file" && (remote.kind === "dir" || remote.kind === "symlink"));
  else if ("backup" in d) assert.equal(d.backup, (local?.kind === "file" || local?.kind === "symlink") && (d.apply === "write" || d.apply === "delete"));
  if ("sendBack" in d && localNode === "r") assert.equal(d.sendBack, false, "receive-only nodes never send");
  if (d.kind === "drift") assert.equal(local?.modifiedBy, "r");
  if (d.kind === "conflict-unresolved") assert.equal(policy, "none");
}

for (const lk of LOCAL_KINDS) {
  for (const rk of REMOTE_KINDS) {
    for (const relation of RELATIONS) {
      test(`reconcile() decides local ${lk} × remote ${rk} × ${relation}, every policy, force and host role`, () => {
        for (const different of [false, true]) {
          for (const [localNode, writer] of SETUPS) {
            const [lv, rv] = vectors(relation, writer);
            const local = lk === "absent" ? undefined : entry(lk, lv, writer, 2, false);
            const remote = entry(rk, rv, "a", 1, different);
            for (const policy of CONFLICT_POLICIES) {
              for (const force of FORCES) {
                const here = run({ local, remote, policy, localNode, ctx: force });
                checkInvariants(here, local, remote, localNode, policy);
                if (local === undefined) continue;
                // The pusher "a" deciding with the roles swapped must reach the same state.
                const mirrored = { localForced: force.remoteForced ?? false, remoteForced: force.localForced ?? false };
                const there = run({ local: remote, remote: local, policy, localNode: "a", ctx: mirrored });
                assert.deepEqual(result(there, remote, local), result(here, local, remote), `${policy} ${JSON.stringify(force)} ${localNode}: ${here.kind} vs ${there.kind}`);
                if (here.kind !== "conflict-unresolved" && there.kind !== "conflict-unresolved") {
                  assert.deepEqual(vectorToWire(here.vector), vectorToWire(there.vector));
                }
              }
            }
          }
        }
      });
    }
  }
}
