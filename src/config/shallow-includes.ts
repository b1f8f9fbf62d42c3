// Include lines whose `**` promises more than a walk delivers. A walk enters a directory only
// when a pattern leads to it (csync2's step into, config/match.ts), and the leading parts of
// `/srv/**.conf` are `/srv` alone: `/srv/a.conf` is taken, `/srv/x/b.conf` never reached. An
// operator coming from rsync's filters reads `**` as "at any depth"; config-check says where
// the walk stops instead of leaving them to find the missing files. Pure.

import { isPathPattern } from "./match.js";
import type { Group } from "./types.js";

/** A name no exclude line is likely to drop: a directory of that name is what the walk would face. */
const PROBE = "peersync-probe-directory";

export interface ShallowInclude {
  readonly group: string;
  readonly pattern: string;
  /** The directory below which the walk enters nothing for this line. */
  readonly stopsAt: string;
}

/**
 * Include path patterns with `**` in their last segment whose directory's subdirectories no
 * pattern of the group walks into. Another include line that covers them (`include /srv;`)
 * leaves nothing to say.
 */
export function shallowIncludes(group: Pick<Group, "name" | "include" | "match">): ShallowInclude[] {
  const out: ShallowInclude[] = [];
  for (const pattern of group.include) {
    if (!isPathPattern(pattern)) continue;
    const slash = pattern.lastIndexOf("/");
    if (slash < 0 || !pattern.slice(slash + 1).includes("**")) continue;
    const stopsAt = slash === 0 ? "/" : pattern.slice(0, slash);
    if (/[*?[\\]/.test(stopsAt)) continue; // a glob directory: its own leading parts decide, not worth guessing
    const below = stopsAt === "/" ? `/${PROBE}` : `${stopsAt}/${PROBE}`;
    if (group.match(below) === "ignore") out.push({ group: group.name, pattern, stopsAt });
  }
  return out;
}

/** The line config-check prints. */
export function shallowIncludeNote(s: ShallowInclude): string {
  return `group ${s.group}: include ${s.pattern} takes files in ${s.stopsAt} only: a walk enters no directory below it for this line ` +
    `(as csync2), so deeper files are not in the group; include ${s.stopsAt} whole, or name the directories (see peersync.cfg(5), Walking)`;
}
