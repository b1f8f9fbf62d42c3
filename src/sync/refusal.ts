// A path's failure as the answer the peer gets (never a session error): its error code and a
// message naming the path; and the receiving side's log of the refusals it answered.

import type { Logger } from "pino";
import { messageWithHint, PeersyncError } from "../errors.js";
import type { Answer } from "../net/messages.js";

export function refused(code: string, message: string): Answer {
  return { kind: "refused", code, message };
}

/**
 * A per-path failure as an answer (never thrown across the wire as a session error). The
 * error's hint goes along: the pusher's operator may be the one who can act on it.
 */
export function refusedFor(path: string, err: unknown): Answer {
  const code = err instanceof PeersyncError ? err.code : ((err as NodeJS.ErrnoException).code ?? "ERROR");
  return refused(/^[\x21-\x7e]{1,255}$/.test(code) ? code : "ERROR", `Cannot apply "${path}": ${messageWithHint(err)}`.slice(0, 3900));
}

/** This node's file at the path is being written (or unreadable): no decision on a stale index; the pusher retries. */
export class UnsureError extends PeersyncError {
  constructor(path: string) {
    super("CHANGED", `Cannot take "${path}" now: the file here changed while it was checked; the next sync retries`);
  }
}

/**
 * A path whose parent here is an `auto none` conflict that stands, and is not a directory here
 * (a file, a symlink, a deletion): taking the path would make the parent a directory over this
 * node's version, which both nodes were told is kept. The path waits until the conflict is settled.
 */
export class ParentConflictError extends PeersyncError {
  constructor(path: string, parent: string) {
    super("PARENT_CONFLICT", `Cannot take "${path}" now: its parent ${parent} is a conflict left unresolved here (auto none), and both versions stay until it is settled`, {
      // The directory with entries wins however it is settled (core/reconcile.ts keepsDirectory):
      // forcing the other version alone would not keep it.
      hint: `\`peersync force ${parent}\` on the node that has it as a directory settles it for the directory, and ${path} follows at the next sync; to keep the other version, move the directory's entries away there first`,
    });
  }
}

/**
 * Refusals logged at info: a race the next run settles, or an entry waiting for its parent's
 * conflict, which is warned about on its own (one warning per pair of versions).
 */
const QUIET_REFUSALS: ReadonlySet<string> = new Set(["CHANGED", "ABORTED", "PARENT_CONFLICT"]);

/** Refusals of one request logged one per line; the rest as a count. */
const REFUSALS_LOGGED = 20;

/**
 * The pusher prints what this node refused; this node's operator must read it too (a missing
 * root, a full disk, a path this node's config does not include). A file that changed here
 * while it was checked is a race the next run settles: info. At most REFUSALS_LOGGED lines per
 * request, then one line with the rest's count: a root gone missing refuses thousands.
 */
export function logRefusals(logger: Logger, pusher: string, answers: readonly { readonly path: string; readonly answer: Answer }[]): void {
  const refusals = answers.flatMap(({ path, answer }) => (answer.kind === "refused" ? [{ path, answer }] : []));
  for (const { path, answer } of refusals.slice(0, REFUSALS_LOGGED)) {
    logger[QUIET_REFUSALS.has(answer.code) ? "info" : "warn"]({ path, peer: pusher, code: answer.code }, `refused ${path} from ${pusher}: ${answer.message}`);
  }
  const more = refusals.length - REFUSALS_LOGGED;
  if (more > 0) logger.warn({ peer: pusher, more }, `refused ${more} more path(s) from ${pusher} in the same request`);
}
