// Listings (dir-listing.ts) of the directories a walk without the probe will reach next, made
// in its depth-first order ahead of the merge, so that their lstat batches run (off the main
// thread when a statStarter is given) while the directories before them are merged. Kept apart
// from the walk (scanner.ts), which only takes the next listing when it enters a directory.

import type { MatchResult } from "../config/types.js";
import { listDirectory, type Listing, type StatStarter } from "./dir-listing.js";

export interface ListAheadOptions {
  readonly match: (logicalPath: string) => MatchResult;
  /** Where directories' lstat batches run (native addon or worker); inline when undefined. */
  readonly statStarter?: StatStarter;
}

/**
 * Directories listed (and lstat'ed) ahead of the merge: refilled to LOOKAHEAD whenever fewer
 * than REFILL_BELOW remain, so the lstat requests of about a dozen directories leave in one
 * message to the worker (stat-pool.ts coalesces those made in one go), not one per directory.
 */
const LOOKAHEAD = 24;
const REFILL_BELOW = 10;

/** Depth-first listings of `dir`'s tree, LOOKAHEAD ahead of whoever calls the returned function. */
export function listAhead(dir: string, dirFs: string | Buffer, options: ListAheadOptions): () => Listing {
  const lister = listings(dir, dirFs, options);
  const queue: Listing[] = [];
  const fill = (): void => {
    if (queue.length >= REFILL_BELOW) return;
    while (queue.length < LOOKAHEAD) {
      const r = lister.next();
      if (r.done) return;
      queue.push(r.value);
    }
  };
  return () => {
    fill();
    const listing = queue.shift();
    if (listing === undefined) throw new Error("scanner: listings out of step with the walk");
    fill();
    return listing;
  };
}

function* listings(dir: string, dirFs: string | Buffer, options: ListAheadOptions): Generator<Listing> {
  const listing = listDirectory(dir, dirFs, options.match, options.statStarter);
  yield listing;
  for (const item of listing.items) {
    if (item.type === "subtree") yield* listings(item.child.path, item.child.fsPath, options);
  }
}
