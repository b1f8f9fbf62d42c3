// The in-sync test (`peersync test`, csync2 -T): two listings of one group, this node's and a
// peer's, merged by path into csync2's markers. csync2 compares database rows (checktxt, mtime
// included); peersync compares entries the same way: content (sameContent) and the attributes
// it syncs (sameMeta, honouring `ignore`). Version vectors are NOT compared: two nodes holding
// the same bytes and attributes are in sync whatever their histories. A tombstone and no row
// both mean "not there". One exception: a file both nodes still hold as csync2 left it (the
// import baseline) compares its mtime at the second, as csync2 does (see sameCsync2Version). Pure.

import { isCsync2Baseline } from "./csync2-db.js";
import { isDeleted, sameContent, sameMeta, type EntryState, type IgnoreAttributes } from "./entry.js";
import { IGNORE_NOTHING } from "./dirty.js";
import { shownName } from "./shown-name.js";

/** L: only this node has it; R: only the peer has it; X: both have it, and they differ. */
export type TestMark = "L" | "R" | "X";

export interface Listed {
  readonly path: string;
  readonly entry: EntryState;
}

export interface Difference {
  readonly path: string;
  readonly mark: TestMark;
  /** This node's live entry (L, X). */
  readonly local?: EntryState;
  /** The peer's live entry (R, X). */
  readonly remote?: EntryState;
}

/** The differences between two listings, in path order (plain string order, as the index sorts). */
export function compareListings(local: Iterable<Listed>, remote: Iterable<Listed>, ignore: IgnoreAttributes = IGNORE_NOTHING): Difference[] {
  const mine = liveByPath(local);
  const theirs = liveByPath(remote);
  const paths = [...new Set([...mine.keys(), ...theirs.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Difference[] = [];
  for (const path of paths) {
    const l = mine.get(path);
    const r = theirs.get(path);
    if (l && !r) out.push({ path, mark: "L", local: l });
    else if (!l && r) out.push({ path, mark: "R", remote: r });
    else if (l && r && !inSync(l, r, ignore)) out.push({ path, mark: "X", local: l, remote: r });
  }
  return out;
}

/** csync2's output line: `X\tmyname\tpeername\tpath`. */
export function formatDifference(d: Difference, myName: string, peerName: string): string {
  return `${d.mark}\t${myName}\t${peerName}\t${shownName(d.path)}`;
}

/** What differs, for a human: "content", "mode", "only here"... (the -v detail of a line). */
export function describeDifference(d: Difference): string {
  if (d.mark === "L") return `only on this node (${d.local!.kind})`;
  if (d.mark === "R") return `only on the peer (${d.remote!.kind})`;
  const l = d.local!;
  const r = d.remote!;
  if (l.kind !== r.kind) return `${l.kind} here, ${r.kind} there`;
  return sameContent(l, r) ? "attributes differ" : "content differs";
}

function inSync(l: EntryState, r: EntryState, ignore: IgnoreAttributes): boolean {
  return sameContent(l, r) && (sameMeta(l, r, ignore) || sameCsync2Version(l, r, ignore));
}

/**
 * Both sides hold a file as csync2 left it (the import baseline, unchanged since) and agree but
 * for the fraction of a second of its mtime. csync2 sets a received file's mtime to the whole
 * second (SETIME), while the node that wrote it keeps the nanoseconds, and its checktxt compares
 * seconds: so after the switch every file csync2 ever sent would read X here, and exit 0 ("not
 * in sync") for good, since sync sends nothing between equal versions.
 */
function sameCsync2Version(l: EntryState, r: EntryState, ignore: IgnoreAttributes): boolean {
  if (l.kind !== "file" || r.kind !== "file" || !isCsync2Baseline(l.vector) || !isCsync2Baseline(r.vector)) return false;
  return wholeSeconds(l.mtimeNs) === wholeSeconds(r.mtimeNs) && sameMeta(l, { ...r, mtimeNs: l.mtimeNs }, ignore);
}

/** Seconds since the epoch, rounded down (before 1970 too), as csync2's checktxt records them. */
function wholeSeconds(ns: bigint): bigint {
  const q = ns / 1_000_000_000n;
  return ns < 0n && q * 1_000_000_000n !== ns ? q - 1n : q;
}

function liveByPath(items: Iterable<Listed>): Map<string, EntryState> {
  const m = new Map<string, EntryState>();
  for (const { path, entry } of items) if (!isDeleted(entry)) m.set(path, entry);
  return m;
}
