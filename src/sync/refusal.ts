// A path's failure as the answer the peer gets (never a session error): its error code and a
// message naming the path.

import { messageOf, PeersyncError } from "../errors.js";
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
  const hint = err instanceof PeersyncError && err.hint !== undefined ? `; ${err.hint}` : "";
  return refused(/^[\x21-\x7e]{1,255}$/.test(code) ? code : "ERROR", `Cannot apply "${path}": ${messageOf(err)}${hint}`.slice(0, 3900));
}

/** This node's file at the path is being written (or unreadable): no decision on a stale index; the pusher retries. */
export class UnsureError extends PeersyncError {
  constructor(path: string) {
    super("CHANGED", `Cannot take "${path}" now: the file here changed while it was checked; the next sync retries`);
  }
}
