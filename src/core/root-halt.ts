// The daemon's halt of a group whose include root looks unmounted (continuous mode): whether a
// watched root is still the directory that was subscribed, and how one root's verdict moves its
// group between halted and running. The `-x` check stops such a group for one run (exit 5); a
// daemon runs for months, so the same stop has to be a state that is entered once (one error
// line), held while the root stays away, and left by itself when it is back.

/** A directory as the kernel names it: a remount or a bare mount point changes one of the two. */
export interface DirIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

/**
 * What became of a watched root since it was subscribed. "replaced": another directory is
 * there now (the bare mount point after an unmount, a directory moved in); its watch
 * follows the old inode, if any is left, and reports nothing of the new one.
 */
export type RootChange = "same" | "gone" | "replaced";

export function rootChange(watched: DirIdentity, now: DirIdentity | undefined): RootChange {
  if (now === undefined) return "gone";
  return now.dev === watched.dev && now.ino === watched.ino ? "same" : "replaced";
}

/**
 * One root's verdict applied to its group's halted roots. "halt": the group stops pushing now
 * (say so once); "resume": its last halted root is back (push what waited); "root-back": one
 * root is back, another still keeps the group halted; "still": nothing to say.
 */
export type HaltStep = "halt" | "resume" | "root-back" | "still";

export interface HaltResult {
  readonly halted: ReadonlySet<string>;
  readonly step: HaltStep;
}

export function haltStep(halted: ReadonlySet<string>, root: string, looksUnmounted: boolean): HaltResult {
  const was = halted.has(root);
  if (looksUnmounted === was) return { halted, step: "still" };
  const next = new Set(halted);
  if (looksUnmounted) {
    next.add(root);
    // A second root of a group already halted is news too: its own error line names it.
    return { halted: next, step: "halt" };
  }
  next.delete(root);
  return { halted: next, step: next.size === 0 ? "resume" : "root-back" };
}

/** The error line of a halt: which root, why nothing is sent, and the two ways out. */
export function haltMessage(group: string, root: string, local: string): string {
  return (
    `Cannot push group "${group}": its include root ${root} (${local}) vanished or holds none of the files the index knows there ` +
    "(an unmounted disk?). Its pushes are halted, no deletion is sent for those files, other groups go on; " +
    "mount the disk again (the daemon resumes by itself within seconds), or fix the config's prefix or include and reload"
  );
}
