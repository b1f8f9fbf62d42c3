// Who wins when two versions are concurrent (neither vector dominates) and differ.
//
// The one requirement above csync2 compatibility: the answer depends only on the two versions
// and on facts every node shares (the group's host order and receive-only flags), never on
// which node asks or which node pushed. Node A deciding (local=A, remote=B) and node B
// deciding (local=B, remote=A) pick the same version, so syncs may run in any order, even
// both ways at once, and the cluster still converges. csync2 has no such guarantee: its
// winner is "whoever runs -u first" and its ties favour the remote side on both ends.
//
// Rules, first match wins:
// 1. receive-only: a version written on a writable host beats one written on a `(host)`;
// 2. force: a version marked with `peersync -f` beats one that is not;
// 3. the group's `auto` policy (csync2 names; see policyPreference for each meaning);
// 4. tie-breaks: an existing entry beats a deletion (never lose data on a tie), then the
//    larger content key (kind, hash or link target), then the larger attributes, then the
//    larger writer name.

import type { ConflictPolicy, Group } from "../config/types.js";
import { permissionBits } from "./file-state.js";
import {
  assertNever,
  isDeleted,
  mtimeKey,
  sizeOf,
  type EntryState,
  type ExistingEntry,
} from "./entry.js";

export type Winner = "local" | "remote";
export type Resolution = Winner | "conflict";
/** Which rule settled a conflict; reported with it. */
export type ConflictRule = "receive-only" | "forced" | ConflictPolicy | "tie-break";

export interface ConflictContext {
  /** Every host of the group in config order (csync2's left to right), as vector node names. */
  readonly hosts: readonly string[];
  /** The hosts listed in parentheses: they receive, never send. */
  readonly receiveOnly: ReadonlySet<string>;
  /** `peersync -f` marked the local version. @default false */
  readonly localForced?: boolean;
  /** The peer marked its version with `peersync -f`. @default false */
  readonly remoteForced?: boolean;
}

export interface ConflictOutcome {
  readonly resolution: Resolution;
  /** The rule that decided; for "conflict", the policy that declined (always "none"). */
  readonly rule: ConflictRule;
}

/**
 * The shared facts of a group, with hosts named by their wire identity (Host.address, the
 * vector node name): the local host sits where the config lists it (csync2's on_left_side).
 */
export function conflictContextFor(group: Group, forced: { readonly local?: boolean; readonly remote?: boolean } = {}): ConflictContext {
  const hosts = [...group.peers.filter((h) => h.leftOfLocal), group.local, ...group.peers.filter((h) => !h.leftOfLocal)];
  return {
    hosts: hosts.map((h) => h.address),
    receiveOnly: new Set(hosts.filter((h) => h.receiveOnly).map((h) => h.address)),
    localForced: forced.local ?? false,
    remoteForced: forced.remote ?? false,
  };
}

/** A policy's verdict before tie-breaks: a side, "tie" (the policy cannot tell), or "conflict". */
type Preference = Winner | "tie" | "conflict";

/**
 * Resolves two concurrent, different versions under `policy`: "local", "remote", or
 * "conflict" (policy `none`: both stay, the conflict is listed). Pure and total.
 */
export function resolveConflict(policy: ConflictPolicy, local: EntryState, remote: EntryState, ctx: ConflictContext): Resolution {
  return decideConflict(policy, local, remote, ctx).resolution;
}

/** resolveConflict() plus the rule that decided, for reports. */
export function decideConflict(policy: ConflictPolicy, local: EntryState, remote: EntryState, ctx: ConflictContext): ConflictOutcome {
  const localRo = ctx.receiveOnly.has(local.modifiedBy);
  const remoteRo = ctx.receiveOnly.has(remote.modifiedBy);
  if (localRo !== remoteRo) return { resolution: localRo ? "remote" : "local", rule: "receive-only" };
  const localForced = ctx.localForced ?? false;
  const remoteForced = ctx.remoteForced ?? false;
  if (localForced !== remoteForced) return { resolution: localForced ? "local" : "remote", rule: "forced" };
  const preference = policyPreference(policy, local, remote, ctx.hosts);
  if (preference === "conflict") return { resolution: "conflict", rule: policy };
  if (preference === "tie") return { resolution: tieBreak(local, remote), rule: "tie-break" };
  return { resolution: preference, rule: policy };
}

/**
 * The policy's own verdict, csync2's meanings made symmetric:
 * - none: never decides;
 * - first: the version recorded first in the cluster (smaller changedAtMs). csync2's "first"
 *   is "whoever syncs first"; peersync pushes within about a second of a change, so the first
 *   change is the first sync, without depending on who happens to push;
 * - younger / older: larger / smaller mtime;
 * - bigger / smaller: larger / smaller size;
 *   for these four a deletion always loses (csync2: "This is a removal", the file survives);
 * - left / right: the version written by the host listed earlier / later in the group's
 *   `host` lines (csync2's on_left_side). A deletion counts like any other version for
 *   first, left and right, as in csync2.
 */
function policyPreference(policy: ConflictPolicy, local: EntryState, remote: EntryState, hosts: readonly string[]): Preference {
  switch (policy) {
    case "none":
      return "conflict";
    case "first":
      return smaller(local.changedAtMs, remote.changedAtMs);
    case "younger":
      return byAttribute(local, remote, (e) => mtimeKey(e.mtimeNs), larger);
    case "older":
      return byAttribute(local, remote, (e) => mtimeKey(e.mtimeNs), smaller);
    case "bigger":
      return byAttribute(local, remote, sizeOf, larger);
    case "smaller":
      return byAttribute(local, remote, sizeOf, smaller);
    case "left":
      return smaller(hostRank(hosts, local.modifiedBy, Infinity), hostRank(hosts, remote.modifiedBy, Infinity));
    case "right":
      return larger(hostRank(hosts, local.modifiedBy, -1), hostRank(hosts, remote.modifiedBy, -1));
    default:
      return assertNever(policy);
  }
}

/** The side whose key is larger wins; equal keys are a tie. */
function larger<T extends number | bigint>(localKey: T, remoteKey: T): Preference {
  if (localKey > remoteKey) return "local";
  if (remoteKey > localKey) return "remote";
  return "tie";
}

/** The side whose key is smaller wins; equal keys are a tie. */
function smaller<T extends number | bigint>(localKey: T, remoteKey: T): Preference {
  if (localKey < remoteKey) return "local";
  if (remoteKey < localKey) return "remote";
  return "tie";
}

/** younger/older/bigger/smaller: a deletion loses to any existing entry, else the key decides. */
function byAttribute<T extends number | bigint>(
  local: EntryState,
  remote: EntryState,
  key: (e: ExistingEntry) => T,
  pick: (localKey: T, remoteKey: T) => Preference,
): Preference {
  if (isDeleted(local) && isDeleted(remote)) return "tie";
  if (isDeleted(local)) return "remote";
  if (isDeleted(remote)) return "local";
  return pick(key(local), key(remote));
}

/**
 * Position of a writer in the group's host list. A writer no longer in the config ranks as
 * Infinity for `left` and -1 for `right`, so a listed host always beats an unknown one.
 */
function hostRank(hosts: readonly string[], node: string, missing: number): number {
  const i = hosts.indexOf(node);
  return i >= 0 ? i : missing;
}

/** Deterministic last resort: the same answer from both viewpoints. */
export function tieBreak(local: EntryState, remote: EntryState): Winner {
  if (isDeleted(local) !== isDeleted(remote)) return isDeleted(local) ? "remote" : "local";
  for (const key of [contentKey, metaKey, (e: EntryState) => e.modifiedBy, (e: EntryState) => String(e.changedAtMs)]) {
    const l = key(local);
    const r = key(remote);
    if (l !== r) return l > r ? "local" : "remote";
  }
  // Identical in every compared field: either side is the same version.
  return "local";
}

function contentKey(e: EntryState): string {
  switch (e.kind) {
    case "file":
      return `file:${e.hash}:${e.size}`;
    case "symlink":
      return `symlink:${e.target}`;
    case "dir":
    case "deleted":
      return e.kind;
    default:
      return assertNever(e);
  }
}

function metaKey(e: EntryState): string {
  if (isDeleted(e)) return "";
  const mode = e.kind === "symlink" ? "" : permissionBits(e.mode).toString(8).padStart(4, "0");
  const mtime = mtimeKey(e.mtimeNs).toString().padStart(24, "0");
  return [mode, e.userName ?? "", e.uid, e.groupName ?? "", e.gid, mtime].join(":");
}
