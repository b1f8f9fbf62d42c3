// Why a session ended, in the words its open requests fail with: a peer that said it was
// shutting down, a connection lost without a word, or the raw cause. Kept apart from the
// session's bookkeeping (session.ts) so each case reads, and is tested, on its own. Pure.

import { PeerError, PeersyncError } from "../errors.js";
import { MidFrameError } from "./wire.js";
import type { SessionRole } from "./session.js";

/** What the session knew when its connection closed. */
export interface SessionEndFacts {
  readonly peer: string;
  readonly role: SessionRole;
  /** The peer announced its shutdown (bye). */
  readonly peerDraining: boolean;
  /** This side closed the session (close()). */
  readonly closedHere: boolean;
  /** This side was draining for its own shutdown. */
  readonly draining: boolean;
  /** Requests sent and not yet answered. */
  readonly unanswered: number;
}

/**
 * What the requests still open fail with. A peer that announced its shutdown (bye) and then
 * dropped the connection without saying more (killed after its grace, its error frame lost)
 * is named as shutting down, not as a framing fault.
 */
export function sessionEndError(facts: SessionEndFacts, reason: Error | undefined): Error {
  const { peer } = facts;
  if (facts.role === "client" && facts.peerDraining && !(reason instanceof PeerError)) {
    return new PeerError(`Cannot finish the requests sent to "${peer}": it is shutting down (it said so) and closed the session${reason ? ` (${reason.message})` : ""}`, {
      peer, remoteCode: "UNAVAILABLE", hint: `the next sync sends what is still pending once "${peer}" serves again`,
    });
  }
  // Requests in flight and the connection gone without a word (no bye, no error frame): the
  // peer's daemon was killed, crashed or restarted, or the network failed. Said so, with the
  // raw cause after it, rather than a bare "read ECONNRESET" or "the peer closed mid-frame".
  if (facts.role === "client" && !facts.closedHere && !facts.draining && facts.unanswered > 0 && isConnectionLoss(reason)) {
    return new PeerError(`Lost the connection to "${peer}" with ${facts.unanswered} request(s) unanswered (${reason === undefined ? "it closed" : reason.message}): its daemon stopped, restarted or crashed, or the network failed`, {
      peer, remoteCode: "UNAVAILABLE", hint: `what was not answered stays pending; the next sync sends it once "${peer}" answers again (\`peersync status\` probes it)`,
      ...(reason === undefined ? {} : { cause: reason }),
    });
  }
  return reason ?? new PeerError(`Cannot use session with "${peer}": it closed`, { peer });
}

/** A close that says only that the connection went away: nothing told, nothing timed out here. */
export function isConnectionLoss(reason: Error | undefined): boolean {
  if (reason === undefined || reason instanceof MidFrameError) return true;
  const code = (reason as NodeJS.ErrnoException).code;
  return !(reason instanceof PeersyncError) && (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED" || code === "ETIMEDOUT");
}

/** Requests in hand cut off by a daemon that stops; told to the peer so its log says why. */
export class ShutdownError extends PeersyncError {
  constructor(message: string, options: { hint?: string } = {}) {
    super("UNAVAILABLE", message, options);
  }
}

/** An idle session closed by its timeout; told to the peer so its log says why. */
export class IdleError extends PeersyncError {
  constructor(message: string) {
    super("IDLE", message);
  }
}
