// A node whose index was rebuilt (a damaged one moved aside, a reinstalled node) has forgotten
// the version counters it gave out, and its peers still hold them: its versions restart at 1.
// Read as they stand, the vectors then call a write made there since "behind" the peers' copy,
// and it is overwritten without a backup (found by following the damaged-index hint after an
// edit). These rules notice the lost history, so the write is settled as a conflict or kept.

import { counterOf, type VersionVector } from "./vector.js";

/**
 * The node, of the two whose versions meet, that lost its history of the path: its side lacks
 * changes of its own that the other side holds. A node never gives out a counter it does not
 * hold, so only a lost history (or a tombstone its node forgot while the other kept it)
 * produces this; the receiver then treats the two versions as concurrent, and the policy
 * settles them, loser backed up. `pusher` undefined: only this node's own history is looked
 * at. Equal counters (a path its node had changed once) do not show a loss: see keptOnlyByUs.
 */
export function whoLostHistory(local: VersionVector, remote: VersionVector, localNode: string, pusher: string | undefined): string | undefined {
  if (counterOf(remote, localNode) > counterOf(local, localNode)) return localNode;
  if (pusher !== undefined && pusher !== localNode && counterOf(local, pusher) > counterOf(remote, pusher)) return pusher;
  return undefined;
}

/**
 * On the pusher, when the peer answers that ours is behind: whether our version may be a write
 * no one else has. A first version of ours ({us: 1} alone) never came from a peer, and a peer
 * can hold a newer one only if we had given it out before, which we no longer know: a lost
 * history whoLostHistory cannot see (equal counters), or a race of three nodes over a file we
 * created. Either way ours is backed up before the peer's replaces it (in the race the copy is
 * one a peer saw once: a spare, never a loss).
 */
export function keptOnlyByUs(ours: VersionVector, localNode: string): boolean {
  const nodes = Object.keys(ours);
  return nodes.length === 1 && nodes[0] === localNode && counterOf(ours, localNode) === 1;
}
