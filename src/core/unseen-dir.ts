// A directory a receiver holds in exactly the state a peer pushes, recorded here as a first
// version of this node that no peer has seen: the include root above all, which the operator
// makes on every node, and which the first check of each (or a receiver's re-check, on first
// contact) records as new. Merged with the pusher's vector it stayed a version of this node,
// pending for its other peers: a relay showed the root pending (list-pending, status) and
// pushed it once more, to peers that answered "in sync". It is taken as the pusher's version.

import type { EntryState } from "./entry.js";
import { keptOnlyByUs } from "./lost-history.js";
import type { VersionVector } from "./vector.js";

/**
 * Whether `local` (in the same state as the version pushed) is the pushed version rather than one
 * of this node's own: a directory, this node's first version of it ({us: 1} alone), still
 * pending for every peer of the group (`pendingFor` holds all of `peers`). Its counter then
 * never reached a peer (a peer that applied it without acknowledging holds the same state, and
 * a later version of ours dominates its vector); directories carry no bytes, so nothing is lost.
 * Only directories: a first version of a file of ours is what the lost-history rules look at
 * (core/lost-history.ts keptOnlyByUs), and stays one. Never when the `pushed` vector holds a
 * counter of ours: that is our own version coming back (a peer applied it, its acknowledgement
 * was lost, and a `mark -r` there offers it again). Peers do not pass on versions they did
 * not write, so ours stays pending for the others: the ones that never got it still need it.
 */
export function isUnseenTwinDir(local: EntryState, localNode: string, pendingFor: readonly string[], peers: readonly string[], pushed: VersionVector): boolean {
  if (local.kind !== "dir" || !keptOnlyByUs(local.vector, localNode) || pushed[localNode] !== undefined) return false;
  return peers.every((p) => pendingFor.includes(p));
}
