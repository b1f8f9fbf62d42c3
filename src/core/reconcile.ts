// The receiver's per-entry decision (DESIGN.md §3 step 3, §4): given what this node holds for
// a path (index plus disk, already re-checked) and the version a peer pushes, what to do.
//
// The vectors play the role of Mutagen's ancestor: "remote dominates" means the remote saw our
// version and changed it; "local dominates" means the pusher is behind; "concurrent" means both
// changed since they last agreed. Equal vectors over different states cannot come from the
// protocol (a crash between write and index update can cause it), so they are treated as
// concurrent: the policy and tie-breaks still give both ends the same answer.
//
// Every decision but an unresolved conflict carries `vector`: always merge(local, remote), to
// be recorded with the resulting state. The pusher records it too (with its own version when
// ours travels back, or with the version it sent), so after one exchange both ends hold equal
// vectors for equal states. After a conflict the merge dominates each side's history, so no
// third node can mistake either losing version for a newer one.
//
// Force (`peersync -f`) and the policy only settle concurrent versions, as csync2's -f only
// acts once a conflict exists: a version that dominates wins whatever is forced.

import type { ConflictPolicy } from "../config/types.js";
import { decideConflict, tieBreak, type ConflictContext, type ConflictRule, type Winner } from "./conflict.js";
import { IGNORE_NOTHING, type IgnoreAttributes } from "./dirty.js";
import { sameContent, sameMeta, type EntryState } from "./entry.js";
import { whoLostHistory } from "./lost-history.js";
import { bumpVector, compareVectors, EMPTY_VECTOR, mergeVectors, type VectorRelation, type VersionVector } from "./vector.js";

/**
 * What the receiver does to its disk:
 * - write: create or replace the entry from the remote (file bytes, mkdir, symlink), also when
 *   the kind changes;
 * - meta: content already equal, set mode, owner and mtime only;
 * - delete: remove the local entry;
 * - none: the disk is already right, only the index changes.
 */
export type Apply = "write" | "meta" | "delete" | "none";

export type Decision =
  /**
   * Same state on both sides; record `vector` with the writer and change time of `versionOf`'s
   * version, so both ends hold identical version info (later `first`/`left`/`right` decisions
   * read it).
   */
  | { readonly kind: "in-sync"; readonly vector: VersionVector; readonly versionOf: Winner }
  /** The remote is newer: apply it (`apply` is never "none": the states differ). */
  | { readonly kind: "take-remote"; readonly apply: Apply; readonly vector: VersionVector; readonly backup?: boolean }
  /** The pusher is behind: ours wins; it travels back when `sendBack` (never from a receive-only node). */
  | { readonly kind: "keep-local"; readonly vector: VersionVector; readonly sendBack: boolean }
  /** Concurrent edits, the remote won: back up ours when `backup`, then apply. */
  | { readonly kind: "conflict-remote-wins"; readonly apply: Apply; readonly vector: VersionVector; readonly backup: boolean; readonly rule: ConflictRule }
  /** Concurrent edits, ours won: tell the pusher; ours travels back when `sendBack`. */
  | { readonly kind: "conflict-local-wins"; readonly vector: VersionVector; readonly sendBack: boolean; readonly rule: ConflictRule }
  /** `auto none`: both versions stay, the conflict is listed until `peersync -f`. */
  | { readonly kind: "conflict-unresolved" }
  /** This receive-only node changed the entry: report it, back it up when `backup`, take the group's version. */
  | { readonly kind: "drift"; readonly apply: Apply; readonly vector: VersionVector; readonly backup: boolean }
  /**
   * The remote deletes (or puts a file or symlink in place of) a directory that still holds
   * entries here the remote never saw (its deletions of the children it knew came first and
   * are applied): the directory stays, as a new version written by this node (`vector`
   * already counts it), and travels back.
   */
  | { readonly kind: "keep-dir"; readonly vector: VersionVector };

export type DecisionKind = Decision["kind"];

export interface ReconcileInput {
  /** This node's state for the path; undefined when it never knew the path. */
  readonly local: EntryState | undefined;
  /** The version the peer pushes. */
  readonly remote: EntryState;
  readonly policy: ConflictPolicy;
  /** This node's vector name. */
  readonly localNode: string;
  /** The pusher's vector name (a lost history of its own is then noticed: core/lost-history.ts). */
  readonly remoteNode?: string;
  /** Group facts shared by every node, and the -f flags of both sides. */
  readonly context: ConflictContext;
  /** csync2's `ignore uid gid mod`. @default IGNORE_NOTHING */
  readonly ignore?: IgnoreAttributes;
  /** The local entry is a directory that holds live entries. @default false */
  readonly localChildren?: boolean;
}

/** Decides one entry. Pure and total: every input gets exactly one Decision. */
export function reconcile(input: ReconcileInput): Decision {
  const { remote, context } = input;
  const local = input.local ?? ABSENT;
  const merged = mergeVectors(local.vector, remote.vector);
  const sendBack = !context.receiveOnly.has(input.localNode);
  const ordered = compareVectors(local.vector, remote.vector);
  if (sameContent(local, remote) && sameMeta(local, remote, input.ignore)) {
    return { kind: "in-sync", vector: merged, versionOf: newerVersion(ordered, local, remote) };
  }
  // A side that lost its history of the path (core/lost-history.ts) may hold a write the other
  // never saw, however old its vector looks: the two are concurrent. The result counts one more
  // version of that node: the merge alone would equal the vector a third node holds for the
  // version it lost to, over another state, and the policy would run again there.
  const lost = input.local === undefined ? undefined : whoLostHistory(local.vector, remote.vector, input.localNode, input.remoteNode);
  const relation = lost === undefined ? ordered : "concurrent";
  const vector = lost === undefined ? merged : bumpVector(merged, lost);

  // Invariant from here: the states differ, so every decision changes one side's disk.
  // Receive-only hosts first: whatever the vectors say, a version written on one never
  // overwrites a version written elsewhere (csync2: "Permission denied for slave!").
  const localRo = writtenOnReceiveOnly(local, context);
  const remoteRo = writtenOnReceiveOnly(remote, context);
  if (localRo && !remoteRo) return drift(local, remote, vector, input.ignore);
  if (remoteRo && !localRo) return { kind: "keep-local", vector, sendBack };

  if (relation !== "dominates" && sendBack && keepsDirectory(local, remote, input.localChildren ?? false)) {
    return { kind: "keep-dir", vector: bumpVector(vector, input.localNode) };
  }
  if (relation === "dominated") {
    // A file replaced by a directory or a symlink is backed up even when the replacement is
    // newer: a kind change is where a directory that kept its entries (keep-dir) overrides a
    // file, and a spare copy costs little.
    const backup = local.kind === "file" && (remote.kind === "dir" || remote.kind === "symlink");
    return { kind: "take-remote", apply: applyFor(local, remote, input.ignore), vector, ...(backup ? { backup } : {}) };
  }
  if (relation === "dominates") return { kind: "keep-local", vector, sendBack };
  // Concurrent (or equal vectors over different states): both changed since they agreed.
  return concurrent(input, local, vector, sendBack);
}

function concurrent(input: ReconcileInput, local: EntryState, vector: VersionVector, sendBack: boolean): Decision {
  const { remote } = input;
  const outcome = decideConflict(input.policy, local, remote, input.context);
  let winner: Winner;
  let rule: ConflictRule = outcome.rule;
  if (outcome.resolution !== "conflict") winner = outcome.resolution;
  else if (!sameContent(local, remote)) return { kind: "conflict-unresolved" };
  else {
    // NOTE: only attributes differ (say both sides wrote the same bytes at different times):
    // no data can be lost, so even `auto none` settles it by the deterministic tie-break.
    winner = tieBreak(local, remote);
    rule = "tie-break";
  }
  if (winner === "local") return { kind: "conflict-local-wins", vector, sendBack, rule };
  const apply = applyFor(local, remote, input.ignore);
  return { kind: "conflict-remote-wins", apply, vector, backup: losesContent(local, apply), rule };
}

/**
 * A deletion, or a file or symlink put in its place, never removes a directory that still
 * holds entries (Syncthing's and Unison's rule for deletions): those entries are either new
 * here or won their own conflict against the deletion, so the other side never saw them. The
 * directory is kept and the deleted children stay deleted; a deletion carries no data, and a
 * file that loses this way is backed up where it is replaced. The answer depends only on
 * whether entries remain, which every node reaches the same way, not on the policy.
 */
export function keepsDirectory(local: EntryState, remote: EntryState, localChildren: boolean): boolean {
  return local.kind === "dir" && remote.kind !== "dir" && localChildren;
}

/** The version whose history is later, or the tie-break's pick when neither is. */
function newerVersion(relation: VectorRelation, local: EntryState, remote: EntryState): Winner {
  if (relation === "dominates") return "local";
  if (relation === "dominated") return "remote";
  return tieBreak(local, remote);
}

/**
 * A version written on a receive-only host. Only that host holds one (it never sends), so on
 * that host it is drift; anywhere else it can only arrive by a bug, and is refused.
 */
function writtenOnReceiveOnly(e: EntryState, context: ConflictContext): boolean {
  return context.receiveOnly.has(e.modifiedBy);
}

function drift(local: EntryState, remote: EntryState, vector: VersionVector, ignore: IgnoreAttributes | undefined): Decision {
  const apply = applyFor(local, remote, ignore);
  return { kind: "drift", apply, vector, backup: losesContent(local, apply) };
}

/** The disk operation that turns `local` into `remote`. */
export function applyFor(local: EntryState, remote: EntryState, ignore: IgnoreAttributes = IGNORE_NOTHING): Apply {
  if (remote.kind === "deleted") return local.kind === "deleted" ? "none" : "delete";
  if (!sameContent(local, remote)) return "write";
  return sameMeta(local, remote, ignore) ? "none" : "meta";
}

/** A regular file's bytes or a symbolic link's target are about to be replaced or removed: keep a backup. */
function losesContent(local: EntryState, apply: Apply): boolean {
  return (local.kind === "file" || local.kind === "symlink") && (apply === "write" || apply === "delete");
}

/**
 * A path this node never knew: a tombstone older than every version (empty vector), written by
 * nobody (so it is never drift, and never wins `left`/`right` over a listed host).
 */
const ABSENT: EntryState = Object.freeze({ kind: "deleted", vector: EMPTY_VECTOR, modifiedBy: "", changedAtMs: 0 });
