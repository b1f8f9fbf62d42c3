// When a tombstone may be forgotten (DESIGN.md §4). A tombstone stops a node that was away
// from resurrecting a deleted file, so it is kept until every peer of the group acknowledged
// the deletion AND for a retention period after it, whichever is later: a peer restored from
// an old backup may come back with the file long after it acknowledged. Pure: the clock is an
// argument.

import type { EntryState } from "./entry.js";
import { compareVectors, EMPTY_VECTOR } from "./vector.js";

/** Default retention: 30 days. */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface Tombstone {
  /** When the deletion was recorded, ms since the epoch. */
  readonly deletedAtMs: number;
  /** Every peer of the group (vector node names) that must learn of the deletion. */
  readonly peers: readonly string[];
  /** The peers that acknowledged it. */
  readonly acknowledgedBy: ReadonlySet<string>;
}

export interface PurgeOptions {
  /** The current time, ms since the epoch. */
  readonly nowMs: number;
  /** @default DEFAULT_TOMBSTONE_RETENTION_MS */
  readonly retentionMs?: number;
}

export interface TombstoneStatus {
  readonly purgeable: boolean;
  /** Peers that still have to acknowledge, in the order given. */
  readonly waitingFor: readonly string[];
  /** The earliest time the retention allows purging. */
  readonly keepUntilMs: number;
}

/** Why a tombstone is kept, for `status` and logs. */
export function tombstoneStatus(t: Tombstone, options: PurgeOptions): TombstoneStatus {
  const retention = options.retentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS;
  const waitingFor = t.peers.filter((p) => !t.acknowledgedBy.has(p));
  const keepUntilMs = t.deletedAtMs + retention;
  // A deletion time in the future (a skewed clock) is simply not old enough yet.
  return { purgeable: waitingFor.length === 0 && options.nowMs >= keepUntilMs, waitingFor, keepUntilMs };
}

/** True when every peer acknowledged the deletion and the retention period has passed. */
export function canPurgeTombstone(t: Tombstone, options: PurgeOptions): boolean {
  return tombstoneStatus(t, options).purgeable;
}

/**
 * The peers a version this node took from `from` must still get from here: every other peer of
 * the group. A pusher taking a peer's version back passes any version on (sync/take-back.ts); a
 * receiver passes deletions on (sync/carry-out.ts). A deletion travels from the node that made it
 * to each peer, but a peer that was away may meet another node first, with the file and perhaps
 * an edit of it: each node that applied the deletion holds it for the peers it did not come
 * from, pushes it on (a peer that has it answers "in sync") and forgets it only once they all
 * acknowledged it (tombstoneStatus). A relay that forgot it after the retention alone took a
 * returning node's file as a new one, the deletion undone. None on a receive-only host: it
 * never pushes, so nothing would clear the rows; it keeps a received deletion for the
 * retention only, and a file it then takes as new stays on it alone (it sends nothing on)
 * until the deletion reaches it again.
 */
export function relayPeers(peers: readonly string[], from: string, options: { readonly receiveOnly: boolean }): string[] {
  return options.receiveOnly ? [] : peers.filter((p) => p !== from);
}

/**
 * Whether a deletion that reaches this node where nothing lives (reconcile answers in sync:
 * the path was never known here, or is a tombstone already) is news to keep and pass on, as an
 * applied deletion is: true when this node did not hold it, i.e. it has no tombstone whose
 * vector covers the incoming one. The receiver then records the merged vector as a tombstone
 * (a row made for a path it never had) and marks it pending for relayPeers(). Without it, B,
 * away while A made and deleted a file that C took, kept no trace of the deletion: C's copy,
 * pushed to B later, was taken as a new file (the deletion undone there and spread on), and a
 * newer deletion over an older tombstone moved B's vector but never went on to C. A tombstone
 * concurrent with the incoming one is news too: the merge covers both, and a peer holding
 * either one's file must learn it.
 */
export function passesDeletionOn(local: EntryState | undefined, remote: EntryState): boolean {
  if (remote.kind !== "deleted" || (local !== undefined && local.kind !== "deleted")) return false;
  const relation = compareVectors(local?.vector ?? EMPTY_VECTOR, remote.vector);
  return relation === "dominated" || relation === "concurrent";
}
