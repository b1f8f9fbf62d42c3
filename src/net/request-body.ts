// How a client sends a request's body (session.ts): cut into `data` frames of at most
// maxFrameBytes, waiting for the socket to drain when the wire is congested, then closed by
// `end`, or by `abort` when the body's source stopped it on purpose (BodyStopped). Kept apart
// from the session's bookkeeping of streams, slots and timeouts.

import { PeersyncError } from "../errors.js";
import type { Version } from "./messages.js";
import type { Wire } from "./wire.js";

/** The request a body belongs to, and who it goes to. */
export interface BodyRequest {
  /** The request's stream id. */
  readonly id: number;
  readonly body: AsyncIterable<Uint8Array>;
  /** The protocol version the peer speaks: `abort` needs 1.2. */
  readonly peerVersion: Version;
}

export async function sendBody(wire: Wire, request: BodyRequest): Promise<void> {
  const { id, body } = request;
  const max = wire.limits.maxFrameBytes;
  try {
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      for (let at = 0; at < buf.length; at += max) {
        if (!wire.send(id, { type: "data", bytes: buf.subarray(at, at + max) })) await wire.drained();
      }
    }
  } catch (err) {
    if (!(err instanceof BodyStopped) || wire.closed) throw err;
    // The body's source stopped it on purpose: the request is still answered. A 1.0/1.1
    // server knows no abort (it would close the session): it gets a plain end, and its
    // answer (a hash mismatch, most likely) is the caller's to read as it knows best.
    wire.send(id, canAbort(request.peerVersion) ? { type: "abort", message: err.message } : { type: "end" });
    return;
  }
  wire.send(id, { type: "end" });
}

/**
 * A request body cut short on purpose (a file that changed while it was being sent). Thrown
 * by the body a client passes to request(): the server is told why (`abort`, protocol 1.2)
 * and answers the request. On the server, the body fails with one carrying the client's reason.
 */
export class BodyStopped extends PeersyncError {
  constructor(message: string) {
    super("STOPPED", message);
  }
}

/** Protocol 1.2 and later take `abort` in place of a body's `end`. */
function canAbort(version: Version): boolean {
  return version[0] > 1 || version[1] >= 2;
}
