// The actions a session's pushes owe on this node, from the moment a change is applied until
// the pusher's batch-end, or the end of a session that never sent one: queued durably as each
// change is recorded, so a crash or a lost session cannot lose them, then run, the pusher
// answered within its request timeout whatever the actions do. Kept apart from the handler
// (handler.ts), which serves the requests that make the changes and only says what they owe.

import type { Logger } from "pino";
import type { ActionDispatcher } from "../actions/dispatcher.js";
import type { ActionResult } from "../actions/runner.js";
import { messageOf } from "../errors.js";
import type { BatchEndReply } from "../net/messages.js";
import type { Session } from "../net/session.js";

export class OwedActions {
  readonly #dispatcher: ActionDispatcher;
  readonly #logger: Logger;
  /** Paths each session's pushes changed since its last batch-end. */
  readonly #changed = new WeakMap<Session, Set<string>>();
  /** Of those, the paths whose actions could not be queued durably (the index failed). */
  readonly #unqueued = new WeakMap<Session, string[]>();

  constructor(deps: { readonly dispatcher: ActionDispatcher; readonly logger: Logger }) {
    this.#dispatcher = deps.dispatcher;
    this.#logger = deps.logger;
  }

  /**
   * Queues the actions `paths` trigger right after they were applied and recorded (csync2
   * schedules per file too), so a crash or a lost session before batch-end cannot lose them.
   */
  owe(session: Session, group: string, paths: readonly string[]): void {
    if (paths.length === 0) return;
    const changed = this.#changedOf(session);
    for (const p of paths) changed.add(p);
    try {
      this.#dispatcher.enqueueBatch({ group, changedPaths: paths, side: "receiver" });
    } catch (err) {
      this.#logger.error({ group, paths: paths.length, err: messageOf(err) }, "Cannot queue actions durably; they run at batch-end");
      this.#unqueued.set(session, [...(this.#unqueued.get(session) ?? []), ...paths]);
    }
  }

  /** batch-end from `session`, a pusher of `group`: runs what its changes since the last one owe. */
  async batchEnd(session: Session, group: string): Promise<BatchEndReply> {
    const changed = [...this.#changedOf(session)];
    const unqueued = this.#unqueued.get(session) ?? [];
    this.#changed.delete(session);
    this.#unqueued.delete(session);
    if (changed.length === 0) return { type: "batch-end-reply", ran: 0, failed: 0 };
    const running = this.#run(group, unqueued);
    // Answer within the request timeout whatever the actions do: a slow action (its own timeout
    // is longer) must not make the pusher think this node failed. It keeps running here, and
    // its queue row stays until it finished.
    const patience = Math.floor(session.wire.limits.requestTimeoutMs / 2);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, patience, undefined)));
    const results = await Promise.race([running, late]).finally(() => clearTimeout(timer));
    if (results === undefined) {
      this.#logger.info({ group, paths: changed.length }, "actions still running after the batch; answering the pusher now");
      return { type: "batch-end-reply", ran: 0, failed: 0 };
    }
    return { type: "batch-end-reply", ran: results.length, failed: results.filter((r) => !r.ok).length };
  }

  /**
   * A session that changed files ended without batch-end (the pusher was killed, the network
   * dropped): the actions those changes owe still run (they are queued already).
   */
  sessionEnded(session: Session): void {
    const changed = this.#changed.get(session);
    if (changed === undefined || changed.size === 0) return;
    const unqueued = this.#unqueued.get(session) ?? [];
    this.#changed.delete(session);
    this.#unqueued.delete(session);
    const group = session.peer.group.name;
    this.#logger.warn({ group, peer: session.peer.host.name, paths: changed.size }, "session ended before batch-end; running the actions its changes owe");
    void this.#run(group, unqueued);
  }

  /** The group's queued runs (debounced in a daemon), plus those the index could not queue. */
  async #run(group: string, unqueued: readonly string[]): Promise<ActionResult[]> {
    const direct = unqueued.length > 0 ? this.#dispatcher.afterBatch({ group, changedPaths: unqueued, side: "receiver" }) : Promise.resolve([]);
    const [a, b] = await Promise.all([direct, this.#dispatcher.runQueued(group)]);
    return [...a, ...b];
  }

  #changedOf(session: Session): Set<string> {
    let set = this.#changed.get(session);
    if (!set) this.#changed.set(session, (set = new Set()));
    return set;
  }
}
