// When a root cannot be watched because the kernel's inotify limits are reached: how the
// error is recognised, and the sysctl line that tells the operator what to raise (read from
// the limits in force, the namespace's own included). Apart from the watcher because it is
// about the host, not about any root.

import { readFileSync } from "node:fs";
import { messageOf } from "../errors.js";

/** inotify_add_watch → ENOSPC (max_user_watches), inotify_init → EMFILE (max_user_instances). */
export function isLimitError(err: unknown): boolean {
  const text = messageOf(err);
  return /No space left on device|ENOSPC|Too many open files|EMFILE|max_user_(watches|instances)/i.test(text);
}

/** The sysctl line an operator can paste: at least double the current limit, and 524288. */
export function limitHint(current: number | undefined): string {
  const want = Math.max(524_288, (current ?? 0) * 2);
  const now = current === undefined ? "" : ` (now ${current})`;
  return `raise the inotify limits${now}: sysctl fs.inotify.max_user_watches=${want} fs.inotify.max_user_instances=1024, ` +
    "and persist them in /etc/sysctl.d/; until then this root is checked only by the periodic full check";
}

export function readWatchLimit(): number | undefined {
  // The namespace's own limit (a container's) may be lower than the global sysctl's.
  const limits = ["/proc/sys/fs/inotify/max_user_watches", "/proc/sys/user/max_inotify_watches"].map((file) => {
    try {
      const n = Number(readFileSync(file, "utf8").trim());
      return Number.isFinite(n) && n > 0 ? n : Infinity;
    } catch {
      return Infinity;
    }
  });
  const n = Math.min(...limits);
  return n === Infinity ? undefined : n;
}
