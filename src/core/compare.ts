// The in-sync test (`peersync test`, csync2 -T): two listings of one group, this node's and a
// peer's, merged by path into csync2's markers. csync2 compares database rows (checktxt, mtime
// included); peersync compares entries the same way: content (sameContent) and the attributes
// it syncs (sameMeta, honouring `ignore`). Version vectors are NOT compared: two nodes holding
// the same bytes and attributes are in sync whatever their histories. A tombstone and no row
// both mean "not there". Pure.

import { isDeleted, sameContent, sameMeta, type EntryState, type IgnoreAttributes } from "./entry.js";
import { IGNORE_NOTHING } from "./dirty.js";

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
    else if (l && r && !(sameContent(l, r) && sameMeta(l, r, ignore))) out.push({ path, mark: "X", local: l, remote: r });
  }
  return out;
}

/** csync2's output line: `X\tmyname\tpeername\tpath`. */
export function formatDifference(d: Difference, myName: string, peerName: string): string {
  return `${d.mark}\t${myName}\t${peerName}\t${d.path}`;
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

function liveByPath(items: Iterable<Listed>): Map<string, EntryState> {
  const m = new Map<string, EntryState>();
  for (const { path, entry } of items) if (!isDeleted(entry)) m.set(path, entry);
  return m;
}
