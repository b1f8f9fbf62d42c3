// Which children of a directory still stand as a check's last full look recorded them, when the
// directory's digest moved (fs/dir-probe.ts). A look stores, per child, a hash of its name and a
// hash of its whole (name, lstat result); the next look computes the same pairs. A child whose
// whole hash was there before has the same name and stat as then, so its recorded row stands
// and the check can pass over it: no name decoded, no include/exclude verdict, no row read.
//
// The pass-over is sound only when every name of that look is still there. A child that is gone
// has a row the check must turn into a tombstone, and the check only finds rows by walking past
// them in order, next to the children it looks at; so one missing name means a look at every
// child, as before. (A name that only changed has its row found at its own path, as any child
// the check looks at.)

/** Hashes as the probe returns and the index keeps them: [name, whole] per child, 53 bits each. */
export type ChildHashes = Float64Array;

/**
 * One flag per current child (1: it stands as recorded), or undefined when some child of the
 * stored look is gone (or nothing would be passed over): then every child gets a look.
 */
export function standingChildren(stored: ChildHashes, current: ChildHashes): Uint8Array | undefined {
  if (stored.length === 0 || stored.length % 2 !== 0 || current.length % 2 !== 0) return undefined;
  const names = new Set<number>();
  for (let i = 0; i < current.length; i += 2) names.add(current[i]!);
  const before = new Set<number>();
  for (let i = 0; i < stored.length; i += 2) {
    if (!names.has(stored[i]!)) return undefined;
    before.add(stored[i + 1]!);
  }
  const standing = new Uint8Array(current.length / 2);
  let any = false;
  for (let i = 0; i < standing.length; i++) {
    if (before.has(current[i * 2 + 1]!)) {
      standing[i] = 1;
      any = true;
    }
  }
  return any ? standing : undefined;
}
