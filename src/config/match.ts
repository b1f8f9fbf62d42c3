// csync2's include/exclude semantics (groups.c: match_pattern_list, csync_step_into,
// csync_match_file), per group. Pure.
//
//   - A pattern starting with "/" or "%" is a path pattern, matched against the whole logical
//     path with FNM_LEADING_DIR, plus FNM_PATHNAME unless it contains "**" (then every "*"
//     crosses "/"). Anything else is a basename pattern, fnmatch'ed with no flags.
//   - Last match wins, separately per category; paths default to excluded, basenames to included.
//     A file belongs to the group when both verdicts are "include".
//   - Compare patterns take part only in compare mode.
//   - Step into: a directory that does not match is still walked when it is a leading
//     directory of an include path pattern ("/" always is).
//   - Below an ignored directory everything is ignored: a walk never enters it, so a path
//     named alone (a watcher's event, a check or test argument, a peer's offer) is judged the
//     same way. `exclude .git;` once let a check of /www/.git/HEAD, or the watcher seeing
//     it change, record the file and send it on, though no full check ever would.

import { compileFnmatch } from "./fnmatch.js";
import type { MatchResult } from "./types.js";

export interface PatternSpec {
  readonly pattern: string;
  readonly include: boolean;
  readonly compare: boolean;
}

interface Compiled extends PatternSpec {
  readonly isPath: boolean;
  readonly test: (name: string) => boolean;
  /** For include path patterns: matchers of each "/"-truncated leading part. */
  readonly leading: readonly ((name: string) => boolean)[];
}

/** csync2 strips trailing slashes (but keeps a lone "/"). */
export function stripTrailingSlashes(pattern: string): string {
  let end = pattern.length;
  while (end > 1 && pattern[end - 1] === "/") end--;
  return pattern.slice(0, end);
}

export function isPathPattern(pattern: string): boolean {
  return pattern.startsWith("/") || pattern.startsWith("%");
}

function compilePattern(spec: PatternSpec): Compiled {
  const pattern = spec.pattern;
  const isPath = isPathPattern(pattern);
  const pathname = !pattern.includes("**");
  const test = isPath ? compileFnmatch(pattern, { pathname, leadingDir: true }) : compileFnmatch(pattern);
  const leading: ((name: string) => boolean)[] = [];
  if (isPath && spec.include) {
    for (let cut = pattern.lastIndexOf("/"); cut >= 0; cut = pattern.lastIndexOf("/", cut - 1)) {
      leading.push(compileFnmatch(pattern.slice(0, cut), { pathname }));
      if (cut === 0) break;
    }
  }
  return { ...spec, isPath, test, leading };
}

/** How many directories' verdicts a matcher keeps: a walk asks for each parent again per child. */
const DIRECTORY_VERDICTS = 4096;

/** The per-group classifier of Group.match. */
export function compileMatcher(
  specs: readonly PatternSpec[],
): (logicalPath: string, options?: { readonly compareMode?: boolean }) => MatchResult {
  const compiled = specs.map(compilePattern);
  const plain = compiled.filter((p) => !p.compare);
  const directories = new Map<string, MatchResult>();
  const classify = (file: string, active: readonly Compiled[], remember: boolean): MatchResult => {
    const own = ownVerdict(active, file);
    if (own === "ignore") return own;
    const parent = parentOf(file);
    if (parent === undefined) return own;
    let above = remember ? directories.get(parent) : undefined;
    if (above === undefined) {
      above = classify(parent, active, remember);
      if (remember) {
        if (directories.size >= DIRECTORY_VERDICTS) directories.clear();
        directories.set(parent, above);
      }
    }
    return above === "ignore" ? "ignore" : own;
  };
  return (file, options = {}) =>
    options.compareMode === true ? classify(file, compiled, false) : classify(file, plain, true);
}

/** The path's own verdict, as if its directories were all walked into. */
function ownVerdict(active: readonly Compiled[], file: string): MatchResult {
  const slash = file.lastIndexOf("/");
  const base = slash < 0 ? file : file.slice(slash + 1);
  let matchPath = false;
  let matchBase = true;
  for (const p of active) {
    if (p.isPath) {
      if (p.test(file)) matchPath = p.include;
    } else if (p.test(base)) {
      matchBase = p.include;
    }
  }
  if (matchPath && matchBase) return "match";
  if (file === "/") return "descend";
  for (const p of active) if (p.leading.some((t) => t(file))) return "descend";
  return "ignore";
}

/**
 * The logical directory above `path` that a walk passes through, or undefined: "/" is always
 * walked (so "/etc" has none), and a prefix root such as "%www%" has none.
 */
export function parentOf(path: string): string | undefined {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? undefined : path.slice(0, slash);
}

/**
 * The last of `patterns` that matches `logicalPath` as compileMatcher() tests it (a path pattern
 * against the whole path and its leading directories, any other against the basename), or
 * undefined. For messages that name the line deciding a path's fate.
 */
export function matchingPattern(patterns: readonly string[], logicalPath: string): string | undefined {
  const base = logicalPath.slice(logicalPath.lastIndexOf("/") + 1);
  let found: string | undefined;
  for (const pattern of patterns) {
    const p = compilePattern({ pattern, include: false, compare: false });
    if (p.test(p.isPath ? logicalPath : base)) found = pattern;
  }
  return found;
}

const GLOB_CHARS = /[*?[\\]/;

/**
 * Where a walk starts for one include path pattern: its literal leading directories
 * (`/etc/nginx/*.conf` → `/etc/nginx`, `/etc/hosts` → `/etc/hosts`, `%www%` → `%www%`).
 */
export function rootOf(pattern: string): string {
  const segments = pattern.split("/");
  const literal: string[] = [];
  for (const segment of segments) {
    if (GLOB_CHARS.test(segment)) break;
    literal.push(segment);
  }
  if (literal.length === segments.length) return pattern;
  const root = literal.join("/");
  return root === "" ? "/" : root;
}

/** Distinct roots, dropping any root that lies inside another one. */
export function rootsOf(includePatterns: readonly string[]): string[] {
  const roots = [...new Set(includePatterns.filter(isPathPattern).map(rootOf))];
  const within = (path: string, ancestor: string): boolean =>
    path === ancestor || (ancestor === "/" ? path.startsWith("/") : path.startsWith(`${ancestor}/`));
  return roots.filter((r) => !roots.some((other) => other !== r && within(r, other)));
}
