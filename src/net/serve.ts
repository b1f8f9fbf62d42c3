// The server's side of one request: hand it to the SessionHandler (the sync engine implements
// one; the daemon's default answers ping and status), then write the reply, one message or a
// stream ended by `end`, waiting for the socket to drain between messages. A handler that
// throws answers that request with an error frame; the session carries on.

import { PeersyncError, messageOf } from "../errors.js";
import type { Message, Request } from "./messages.js";
import type { Incoming, Session } from "./session.js";

/** How a request is answered: one message, or a stream of messages (then `end` is sent). */
export type Reply = Message | AsyncIterable<Message>;

export interface RequestContext {
  /** The request's stream id. */
  readonly id: number;
  /** Body of a request whose type has one (data frames up to `end`), else undefined. */
  readonly body: AsyncIterable<Buffer> | undefined;
  /** Aborted when the request times out or the session closes: stop working, answer nothing. */
  readonly signal: AbortSignal;
}

/** What the daemon serves; one instance for all sessions. */
export interface SessionHandler {
  onRequest(session: Session, request: Request, context: RequestContext): Reply | Promise<Reply>;
  /** A session authenticated (for metrics/logs). */
  onOpen?(session: Session): void;
  /** A session ended; `reason` is undefined for an orderly close. */
  onClose?(session: Session, reason: Error | undefined): void;
}

export async function serveRequest(session: Session, handler: SessionHandler, id: number, request: Request, entry: Incoming): Promise<void> {
  const { wire } = session;
  const signal = entry.abort.signal;
  const stopDeadline = armDeadline(entry, request.type, wire.limits.requestTimeoutMs);
  try {
    const reply = await abortable(Promise.resolve(handler.onRequest(session, request, { id, body: entry.body, signal })), signal);
    if (isMessage(reply)) {
      wire.send(id, reply);
    } else {
      for await (const msg of reply) {
        signal.throwIfAborted();
        if (!wire.send(id, msg)) await wire.drained();
      }
      wire.send(id, { type: "end" });
    }
    // Counted as in flight until the peer has taken the reply: a peer that pipelines requests
    // without reading replies stops being read from (and is closed by the drain timeout).
    await wire.drained();
  } catch (err) {
    if (wire.closed) return;
    const code = err instanceof PeersyncError ? err.code : "INTERNAL";
    wire.send(id, { type: "error", code, message: messageOf(err) });
    await wire.drained().catch(() => undefined);
  } finally {
    stopDeadline();
  }
}

/**
 * The request's deadline: `ms` without progress. While its body streams in, each body frame
 * starts the clock again: a big file on a thin link takes longer than any fixed limit (30 s is
 * 375 MB at 100 Mbit/s), and a peer that stops sending is still cut off. From the body's end
 * the handler has `ms` to answer. On expiry the body fails too: a handler still reading it
 * must see a broken transfer (a resumable put keeps its partial file), never a short body that
 * ended cleanly. Returns the function that disarms it.
 */
function armDeadline(entry: Incoming, type: string, ms: number): () => void {
  const timer = setTimeout(() => {
    const err = new TimeoutError(type, ms, entry.bodyOpen);
    entry.abort.abort(err);
    entry.body?.fail(err);
  }, ms);
  // refresh() restarts the same timer: a put-batch's body is thousands of frames.
  entry.onBody = () => void timer.refresh();
  return () => {
    entry.onBody = undefined;
    clearTimeout(timer);
  };
}

class TimeoutError extends PeersyncError {
  constructor(type: string, ms: number, bodyStalled = false) {
    super("TIMEOUT", bodyStalled ? `Cannot take ${type}: its body stalled for ${ms} ms` : `Cannot answer ${type}: no reply within ${ms} ms`, {
      hint: "a slow link or a busy node; the next sync retries (PEERSYNC_REQUEST_TIMEOUT_MS sets the limit)",
    });
  }
}

function isMessage(reply: Reply): reply is Message {
  return typeof (reply as Message).type === "string" && !(Symbol.asyncIterator in reply);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
