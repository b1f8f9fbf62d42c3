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
  const timer = setTimeout(() => entry.abort.abort(new TimeoutError(request.type, wire.limits.requestTimeoutMs)), wire.limits.requestTimeoutMs);
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
    clearTimeout(timer);
  }
}

class TimeoutError extends PeersyncError {
  constructor(type: string, ms: number) {
    super("TIMEOUT", `Cannot answer ${type}: no reply within ${ms} ms`);
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
