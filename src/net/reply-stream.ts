// How a client reads the replies to one request (session.ts): each message within timeoutMs
// of the one before (else a PeerError with remoteCode TIMEOUT), an `error` reply thrown as the
// peer's PeerError with its code and hint, and the stream over at `end`. Kept apart from the
// session's bookkeeping of streams, slots and timeouts.

import { PeerError } from "../errors.js";
import type { Message } from "./messages.js";
import type { AsyncQueue } from "./queue.js";

/** The request whose replies are read. */
export interface ReplyRequest {
  /** The peer's host name, for messages. */
  readonly peer: string;
  /** The request's message type, for messages. */
  readonly type: string;
  readonly timeoutMs: number;
}

export async function* readReplies(replies: AsyncQueue<Message>, request: ReplyRequest): AsyncGenerator<Message> {
  const { peer, type, timeoutMs } = request;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PeerError(`Cannot get reply to ${type} from "${peer}": none within ${timeoutMs} ms`, {
        peer, remoteCode: "TIMEOUT",
      })), timeoutMs);
    });
    let next: IteratorResult<Message>;
    try {
      next = await Promise.race([replies.next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (next.done || next.value.type === "end") return;
    const reply = next.value;
    if (reply.type === "error") {
      throw new PeerError(`Peer "${peer}" refused ${type}: ${reply.message}`, {
        peer, remoteCode: reply.code, ...(reply.hint === undefined ? {} : { hint: reply.hint }),
      });
    }
    yield reply;
  }
}
