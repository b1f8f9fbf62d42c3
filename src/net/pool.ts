// Client sessions, one per (group, host), opened on demand and reused. A host that cannot be
// reached (or refuses us) is retried with exponential backoff and jitter; until its next retry
// time, asking for it fails at once, so a down peer never delays the others: each host has its
// own state, its own connect deadline, and nothing waits on another host's attempt.

import type { Logger } from "pino";
import { PeerError, PeersyncError, hintOf, messageOf } from "../errors.js";
import type { Group, Host } from "../config/types.js";
import { connectSession, type ConnectOptions } from "./connect.js";
import type { Message, Request } from "./messages.js";
import type { RequestOptions, Session } from "./session.js";

export interface PeerPoolOptions extends ConnectOptions {
  readonly logger?: Logger;
  /** For jitter; @default Math.random */
  readonly random?: () => number;
  /**
   * A one-shot command (sync, update, test): nothing retries, and the command names each peer
   * it could not reach once, in its final lines. A failed connect or a broken session is then
   * logged at debug (-vv), not warned with a retry time nobody waits for. @default false (the
   * daemon, which retries: it warns with retryInMs)
   */
  readonly oneShot?: boolean;
}

/** What the pool knows about one host (for `peersync status`). */
export interface PeerState {
  readonly group: string;
  readonly host: string;
  readonly connected: boolean;
  readonly failures: number;
  /** ms since epoch of the next connect attempt after failures, else 0. */
  readonly retryAt: number;
  readonly lastError: string | undefined;
}

interface Entry {
  session: Session | undefined;
  connecting: Promise<Session> | undefined;
  /** warm() connected and no session() has asked since. */
  warmed: boolean;
  /** Why that warm-up failed, for the session() that asks next. */
  warmError: Error | undefined;
  failures: number;
  retryAt: number;
  lastError: Error | undefined;
}

/** Delay before attempt number `failures + 1`: base·2^(failures-1), capped, with ±25 % jitter. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  if (failures <= 0) return 0;
  const plain = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(plain * (0.75 + random() * 0.5));
}

export class PeerPool {
  readonly #options: PeerPoolOptions;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(options: PeerPoolOptions) {
    this.#options = options;
  }

  /** An open session with `host` for `group`; connects (or waits for a running connect) when needed. */
  session(group: Group, host: Host): Promise<Session> {
    if (this.#closed) return Promise.reject(new PeerError(`Cannot connect to host "${host.name}": the pool is closed`, { peer: host.name }));
    const entry = this.#entry(group, host);
    const warmError = entry.warmError;
    [entry.warmed, entry.warmError] = [false, undefined];
    if (entry.session?.usable) return Promise.resolve(entry.session);
    if (entry.connecting) return entry.connecting;
    // A warm-up that failed before anyone asked: its own error, not a backoff notice, and no
    // second attempt right after it (a peer that times out would cost its deadline twice).
    if (warmError) return Promise.reject(warmError);
    const now = this.#now();
    if (now < entry.retryAt) {
      const wait = Math.ceil((entry.retryAt - now) / 1000);
      return Promise.reject(new PeerError(`Cannot reach host "${host.name}" yet: ${messageOf(entry.lastError)}; next attempt in ${wait} s`, {
        peer: host.name, remoteCode: "BACKOFF", cause: entry.lastError, ...(hintOf(entry.lastError) !== undefined ? { hint: hintOf(entry.lastError) } : {}),
      }));
    }
    entry.connecting = this.#connect(entry, group, host);
    return entry.connecting;
  }

  /**
   * Starts connecting to `host` for `group` now, for a session() expected soon (sync starts
   * while its check still runs: bench/sync (c) spent ~40 ms connecting after the check). The
   * next session() gets this attempt's outcome, whichever it is. Nothing when a session is
   * open, a connect runs, or the host is in backoff.
   */
  warm(group: Group, host: Host): void {
    if (this.#closed) return;
    const entry = this.#entry(group, host);
    if (entry.session?.usable || entry.connecting || this.#now() < entry.retryAt) return;
    entry.connecting = this.#connect(entry, group, host);
    entry.warmed = true;
    entry.connecting.catch((err: unknown) => {
      if (entry.warmed) entry.warmError = err instanceof Error ? err : new Error(String(err));
    });
  }

  /** One request on the pooled session for (group, host). */
  async request(group: Group, host: Host, msg: Request, options?: RequestOptions): Promise<Message> {
    return (await this.session(group, host)).request(msg, options);
  }

  states(): PeerState[] {
    return [...this.#entries.entries()].map(([key, e]) => {
      const [group = "", host = ""] = key.split("\0");
      return { group, host, connected: e.session?.usable ?? false, failures: e.failures, retryAt: e.retryAt, lastError: e.lastError?.message };
    });
  }

  /** Forgets the backoff of `host` (e.g. after a config reload): the next call connects at once. */
  resetBackoff(group: Group, host: Host): void {
    const entry = this.#entry(group, host);
    entry.failures = 0;
    entry.retryAt = 0;
  }

  /**
   * Drains every session. Connects still running (a warm-up nobody asked for: sync's check
   * suspected a change that left nothing to push) finish first, for at most `graceMs`: the
   * handshake pins certificates in the caller's index, which the caller closes next. Before,
   * they failed against the closed index and each warned "cannot connect ... The database
   * connection is not open" at the end of a run that had nothing to do.
   */
  async close(graceMs = 1_000): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    const connecting = entries.flatMap((e) => (e.connecting ? [e.connecting.then(() => undefined, () => undefined)] : []));
    if (connecting.length > 0) await withinMs(Promise.all(connecting), graceMs);
    const sessions = entries.flatMap((e) => (e.session ? [e.session] : []));
    await Promise.all(sessions.map((s) => s.drain(graceMs)));
  }

  async #connect(entry: Entry, group: Group, host: Host): Promise<Session> {
    const { limits, logger } = this.#options;
    try {
      const session = await connectSession(group, host, this.#options);
      entry.session = session;
      entry.failures = 0;
      entry.retryAt = 0;
      entry.lastError = undefined;
      logger?.info({ peer: host.name, group: group.name, fingerprint: session.peer.fingerprint, pinned: session.peer.pinned }, "connected");
      void session.closed.then((reason) => {
        if (entry.session === session) entry.session = undefined;
        if (!reason) return;
        const idle = reason instanceof PeersyncError && (reason.code === "IDLE" || (reason instanceof PeerError && reason.remoteCode === "IDLE"));
        logger?.[idle || this.#options.oneShot === true ? "debug" : "warn"]({ peer: host.name, group: group.name, err: reason.message }, `session closed: ${reason.message}`);
      });
      if (this.#closed) void session.drain(0);
      return session;
    } catch (err) {
      entry.failures += 1;
      entry.lastError = err instanceof Error ? err : new Error(String(err));
      const delay = backoffDelay(entry.failures, limits.backoffBaseMs, limits.backoffMaxMs, this.#options.random ?? Math.random);
      entry.retryAt = this.#now() + delay;
      // Once the pool is closed, nobody waits for this peer: not news (a connect that outlived
      // close()'s grace).
      logger?.[this.#closed || this.#options.oneShot === true ? "debug" : "warn"]({
        peer: host.name, group: group.name, code: err instanceof PeersyncError ? err.code : undefined, err: messageOf(err), retryInMs: delay,
        ...(hintOf(err) !== undefined ? { hint: hintOf(err) } : {}),
      }, `cannot connect to "${host.name}": ${messageOf(err)}`);
      throw err;
    } finally {
      entry.connecting = undefined;
    }
  }

  #entry(group: Group, host: Host): Entry {
    const key = `${group.name}\0${host.name}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { session: undefined, connecting: undefined, warmed: false, warmError: undefined, failures: 0, retryAt: 0, lastError: undefined };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

/** Resolves when `p` settles or after `ms`, whichever comes first (the timer does not hold the process). */
function withinMs(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    const settled = (): void => {
      clearTimeout(timer);
      done();
    };
    void p.then(settled, settled);
  });
}
