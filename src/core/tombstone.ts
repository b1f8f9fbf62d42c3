// When a tombstone may be forgotten (DESIGN.md §4). A tombstone stops a node that was away
// from resurrecting a deleted file, so it is kept until every peer of the group acknowledged
// the deletion AND for a retention period after it, whichever is later: a peer restored from
// an old backup may come back with the file long after it acknowledged. Pure: the clock is an
// argument.

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
