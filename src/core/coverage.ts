// Whether the config still covers an index row: its group is one this node is in, and the
// group's include and exclude patterns select its path. Rows the config no longer covers (an
// exclude added, an include or a group removed since they were recorded) are what `prune`
// drops, and what a sync must not offer: every peer refuses them (NOT_INCLUDED), run after run,
// with a hint to compare configs that are in fact the same. Pure.

import type { Group } from "../config/types.js";

export type UncoveredReason = "group-gone" | "not-included";

/** Why the row of `group` at `path` is no longer covered by `groups`, or undefined when it is. */
export function uncoveredReason(groups: readonly Pick<Group, "name" | "match">[], group: string, path: string): UncoveredReason | undefined {
  const g = groups.find((x) => x.name === group);
  if (g === undefined) return "group-gone";
  return g.match(path) === "match" ? undefined : "not-included";
}

/**
 * The group that takes over a row whose group left the config (a rename, a split, a merge):
 * the first group, in config order, whose patterns select the path, as a check would record
 * it. Undefined when none does (the row is then what `prune` drops).
 */
export function coveringGroup<G extends Pick<Group, "name" | "match">>(groups: readonly G[], path: string): G | undefined {
  return groups.find((g) => g.match(path) === "match");
}
