// The requests every daemon answers without the sync engine: ping, status, and discard (a
// body the server reads and drops, for bandwidth tests). The sync engine's handler serves its
// own request types and hands the rest to this one.

import { PeersyncError } from "../errors.js";
import { SOFTWARE } from "./handshake/auth.js";
import type { Reply, RequestContext, SessionHandler } from "./serve.js";
import type { Session } from "./session.js";
import type { Request } from "./messages.js";

export interface BasicHandlerOptions {
  /** ms since epoch when the daemon started. */
  readonly startedAt: number;
  readonly sessionCount: () => number;
  readonly draining: () => boolean;
  /** @default Date.now */
  readonly now?: () => number;
}

export class BasicHandler implements SessionHandler {
  readonly #options: BasicHandlerOptions;

  constructor(options: BasicHandlerOptions) {
    this.#options = options;
  }

  async onRequest(session: Session, request: Request, context: RequestContext): Promise<Reply> {
    switch (request.type) {
      case "ping":
        return { type: "pong" };
      case "status":
        return {
          type: "status-reply",
          node: session.peer.localName,
          group: session.peer.group.name,
          version: session.peer.version,
          software: SOFTWARE,
          uptimeS: Math.floor(((this.#options.now ?? Date.now)() - this.#options.startedAt) / 1000),
          sessions: this.#options.sessionCount(),
          draining: this.#options.draining(),
        };
      case "discard": {
        let bytes = 0;
        for await (const chunk of context.body ?? []) bytes += chunk.length;
        return { type: "discarded", bytes };
      }
      default:
        throw new PeersyncError("UNSUPPORTED", `Cannot answer ${request.type}: this node has no sync engine`);
    }
  }
}
