// Why a path argument of mark, force or test names no entry of the index, and what the operator
// is told. These commands once said "no group of this node includes it" for every such path,
// and so sent an operator whose file was included, but never checked or simply not there, to
// read the config for nothing. The reasons differ in what fixes them: an include line, an
// exclude line, a check, or the name itself. Pure: the disk is asked by the caller.

import { isPathPattern, matchingPattern, parentOf } from "../config/match.js";
import type { Group } from "../config/types.js";

export type NoEntryReason =
  /** No include line of any group selects it: the config is where to look. */
  | { readonly kind: "not-included" }
  /**
   * A group's include lines select it and an exclude line drops it again, or drops a directory
   * above it (`directory`, logical), which no walk enters.
   */
  | { readonly kind: "excluded"; readonly group: string; readonly pattern: string; readonly directory?: string }
  /** Included, on this disk, but not in the index: never checked. */
  | { readonly kind: "unchecked" }
  /** Included, yet neither on this disk nor in the index: a typo, or a name in another form. */
  | { readonly kind: "nowhere" };

export type ArgumentGroup = Pick<Group, "name" | "include" | "exclude" | "match">;

export interface NoEntryFacts {
  /** The argument with its subtree (-r): a directory above an include root then covers it. */
  readonly recursive: boolean;
  /** Something is at the path on this disk. */
  readonly onDisk: boolean;
}

/**
 * Why `path` (logical) names no entry, given that no index of `groups` holds it. Included is
 * what a check of the path records: its match (which an excluded directory above it undoes, as
 * for a walk), or with -r a directory a walk passes to reach an include line.
 */
export function whyNoEntry(groups: readonly ArgumentGroup[], path: string, facts: NoEntryFacts): NoEntryReason {
  const included = groups.some((g) => {
    const m = g.match(path);
    return m === "match" || (m === "descend" && facts.recursive);
  });
  if (included) return facts.onDisk ? { kind: "unchecked" } : { kind: "nowhere" };
  for (const g of groups) {
    // Excluded only where an include line would have taken it: an exclude line that also
    // matches a path outside every include root is not why that path is left out.
    if (matchingPattern(g.include.filter(isPathPattern), path) === undefined) continue;
    const pattern = matchingPattern(g.exclude, path);
    if (pattern !== undefined) return { kind: "excluded", group: g.name, pattern };
    const above = excludedDirectoryAbove(g, path);
    if (above !== undefined) return { kind: "excluded", group: g.name, ...above };
  }
  return { kind: "not-included" };
}

/** The outermost directory above `path` that `group` ignores by an exclude line, and that line. */
function excludedDirectoryAbove(group: ArgumentGroup, path: string): { pattern: string; directory: string } | undefined {
  const above: string[] = [];
  for (let dir = parentOf(path); dir !== undefined; dir = parentOf(dir)) above.unshift(dir);
  for (const directory of above) {
    if (group.match(directory) !== "ignore") continue;
    const pattern = matchingPattern(group.exclude, directory);
    if (pattern !== undefined) return { pattern, directory };
  }
  return undefined;
}

export interface NoEntryMessage {
  /** Follows `Cannot VERB "PATH": `. */
  readonly why: string;
  readonly hint: string;
}

export interface NoEntryOptions {
  /**
   * The command checked the path itself just before (mark): a file there was recorded unless
   * the check could not read it, so "check it first" would be no help. @default false
   */
  readonly checkedFirst?: boolean;
}

/** The text for `reason`. */
export function noEntryMessage(reason: NoEntryReason, options: NoEntryOptions = {}): NoEntryMessage {
  switch (reason.kind) {
    case "not-included":
      return { why: "no group of this node includes it", hint: "check the include lines of the config (`peersync config-check` lists them)" };
    case "excluded":
      return {
        why: reason.directory === undefined
          ? `group "${reason.group}" excludes it (exclude ${reason.pattern};)`
          : `group "${reason.group}" excludes the directory "${reason.directory}" it is in (exclude ${reason.pattern};)`,
        hint: "drop or narrow that exclude line if it should sync",
      };
    case "unchecked":
      if (options.checkedFirst) return { why: "it is on this disk but its check did not record it", hint: "`peersync check PATH` reports why" };
      return { why: "no index holds it yet: it was never checked", hint: "`peersync check PATH` records it first" };
    case "nowhere":
      return {
        why: "it is neither on this disk nor in the index",
        hint: "name it by its path on this node or as list-pending and test print it (%prefix%/...)",
      };
  }
}
