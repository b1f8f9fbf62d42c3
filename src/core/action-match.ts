// Which actions run for a batch of changed paths, and on which side (csync2's action.c
// csync_schedule_commands, decided here as pure functions so tables can cover them).
//
// Matching follows csync2: each pattern is fnmatch'ed with FNM_LEADING_DIR (plus FNM_PATHNAME
// unless it contains `**`) against the whole logical path; basename patterns have no special
// meaning for actions (a plain `*.conf` never matches a path, as in csync2); an action without
// patterns matches every file of its group. Beyond csync2, prefixes are expanded: when the
// logical forms do not match, the pattern and the path are both mapped through this node's
// prefixes and compared again, so `pattern /srv/www/*;` also fires for `%www%/x` on a node where
// `%www%` is /srv/www.

import type { Action, Group } from "../config/types.js";
import { fnmatch, type FnmatchFlags } from "../config/fnmatch.js";

/** "receiver": the node that applied a batch from a peer; "sender": the node that pushed it. */
export type ActionSide = "receiver" | "sender";

/** `%name%` → absolute local directory (Config.prefixes). */
export type PrefixMap = ReadonlyMap<string, string>;

const PREFIX_HEAD = /^%([A-Za-z0-9_.-]+)%(?=\/|$)/;

/**
 * csync2's selection rule: skip on the receiver when `do-local-only`; skip on the sender unless
 * `do-local`. `do-local-only` implies `do-local`.
 */
export function runsOnSide(action: Pick<Action, "doLocal" | "doLocalOnly">, side: ActionSide): boolean {
  if (side === "receiver") return !action.doLocalOnly;
  return action.doLocal || action.doLocalOnly;
}

/** True when one pattern matches a logical path (see the header for the prefix rule). */
export function patternMatches(pattern: string, logicalPath: string, prefixes: PrefixMap = new Map()): boolean {
  if (fnmatch(pattern, logicalPath, csyncPathFlags(pattern))) return true;
  const localPattern = expandPrefix(pattern, prefixes, escapeGlob);
  const localPath = expandPrefix(logicalPath, prefixes, (dir) => dir);
  if (localPattern === undefined || localPath === undefined) return false;
  if (localPattern === pattern && localPath === logicalPath) return false;
  return fnmatch(localPattern, localPath, csyncPathFlags(localPattern));
}

/** True when the action fires for this logical path. */
export function actionMatches(action: Pick<Action, "patterns">, logicalPath: string, prefixes?: PrefixMap): boolean {
  if (action.patterns.length === 0) return true;
  return action.patterns.some((pattern) => patternMatches(pattern, logicalPath, prefixes));
}

/**
 * A stable name for an action, the same across restarts and config reorderings: a hash of its
 * exec text and logfile (the pair csync2 groups queued commands by). The durable queue and
 * the per-action mutex are keyed by (group, actionId).
 */
export function actionIdOf(action: Pick<Action, "exec" | "logfile">): string {
  return `a${fnv1a64(`${action.exec}\0${action.logfile}`)}`;
}

export interface PlannedRun {
  readonly group: string;
  readonly actionId: string;
  readonly action: Action;
  /** The changed logical paths this action matched, deduplicated, in input order. */
  readonly paths: readonly string[];
}

export interface PlanInput {
  readonly group: Pick<Group, "name" | "actions">;
  readonly changedPaths: readonly string[];
  readonly side: ActionSide;
  readonly prefixes?: PrefixMap;
}

/**
 * The runs one applied batch causes: each action of the group that runs on `side` and matches
 * at least one changed path, exactly once, with the paths it matched. Actions with the same
 * exec and logfile are one run (csync2's GROUP BY command, logfile), so a command never runs
 * twice for one batch.
 */
export function planActions(input: PlanInput): PlannedRun[] {
  const byId = new Map<string, Action[]>();
  for (const action of input.group.actions) {
    if (!runsOnSide(action, input.side)) continue;
    const id = actionIdOf(action);
    byId.set(id, [...(byId.get(id) ?? []), action]);
  }
  const runs: PlannedRun[] = [];
  for (const [actionId, actions] of byId) {
    const matched = input.changedPaths.filter((path) => actions.some((a) => actionMatches(a, path, input.prefixes)));
    const paths = [...new Set(matched)];
    if (paths.length > 0) runs.push({ group: input.group.name, actionId, action: actions[0] as Action, paths });
  }
  return runs;
}

/** `%name%/rest` → `<dir>/rest` using `mapDir` on the directory; unchanged when no prefix; undefined for an unknown prefix. */
function expandPrefix(text: string, prefixes: PrefixMap, mapDir: (dir: string) => string): string | undefined {
  const head = PREFIX_HEAD.exec(text);
  if (head === null) return text;
  // Config.prefixes may be keyed by the bare name or by the `%name%` form; accept both.
  const dir = prefixes.get(head[1] as string) ?? prefixes.get(`%${head[1] as string}%`);
  if (dir === undefined) return undefined;
  return mapDir(dir) + text.slice(head[0].length);
}

/** Makes a directory name literal inside a pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\\]/g, (c) => `\\${c}`);
}

/** csync2's flags for a path pattern: FNM_LEADING_DIR, plus FNM_PATHNAME unless it has `**`. */
function csyncPathFlags(pattern: string): FnmatchFlags {
  return { leadingDir: true, pathname: !pattern.includes("**") };
}

/** FNV-1a, 64 bit, over UTF-8 code units; 16 hex digits. Not cryptographic: only a stable key. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
