// Per-path trouble is a value, never thrown (STYLE R2): one unreadable file must not stop a run.
// A check collects these and reports them at the end (and in --json).

import { shownName } from "./shown-name.js";

/** What was being done when the problem occurred. */
export type ProblemOp = "lstat" | "readdir" | "read" | "readlink" | "skip" | "root" | "path";

/**
 * "error": the path could not be examined, the run's exit code says so.
 * "skipped": the path exists but peersync does not sync its kind (fifo, socket, device) or
 * must not enter it (symlink in a parent); reported, not an error.
 * "safety": a whole root was left alone because it looks unmounted (vanished or suddenly empty).
 */
export type ProblemSeverity = "error" | "skipped" | "safety";

export interface Problem {
  /** Logical path (csync2 name) of the entry. */
  readonly path: string;
  readonly op: ProblemOp;
  readonly severity: ProblemSeverity;
  readonly message: string;
  /** The errno code when an OS call failed (EACCES, ELOOP, ...). */
  readonly code?: string | undefined;
}

/** Problems in path order, errors before skips at the same path. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.severity.localeCompare(b.severity)));
}

/** One line for humans: `error: /srv/a: Cannot read file: EACCES ...`. */
export function formatProblem(p: Problem): string {
  return `${p.severity}: ${shownName(p.path)}: ${shownName(p.message)}`;
}

/** How many problems of a severity. */
export function countProblems(problems: readonly Problem[], severity: ProblemSeverity): number {
  let n = 0;
  for (const p of problems) if (p.severity === severity) n++;
  return n;
}
