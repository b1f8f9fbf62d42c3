// `-G LIST` against the groups this node is a host of. csync2 drops the groups a -G list leaves
// out and then stops with "This host (NAME) is not a member of any configured group." when none
// is left (csync2.md §2.3, check_group()); a list that names some group of this node and others
// it is not in is fine, since one cron line serves every node of the cluster. Pure.

import { UsageError } from "../errors.js";

/**
 * Throws a UsageError when `selected` (the -G names) leaves this node no group at all: a typo
 * in a cron line's -G would otherwise make every run a silent no-op that exits 0.
 */
export function checkGroupSelection(selected: readonly string[] | undefined, nodeGroups: readonly string[], node: string): void {
  if (selected === undefined || selected.some((name) => nodeGroups.includes(name))) return;
  const given = selected.map((name) => `"${name}"`).join(", ");
  throw new UsageError(`Cannot use -G ${selected.join(",")}: this node (${node}) is a host of no group named ${given}`, {
    hint: nodeGroups.length > 0
      ? `its groups: ${nodeGroups.join(", ")} (\`peersync config-check\` lists them)`
      : "run `peersync config-check` to see the groups of this node",
  });
}
