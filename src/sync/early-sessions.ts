// Connecting to a group's peers while sync's check still runs. The check says which groups may
// have changed as soon as its walk finds an entry that differs from its record (index/
// check-run.ts onSuspect), before that entry is read and hashed; the TLS and peersync
// handshakes then overlap the rest of the check instead of following it (~40 ms of a sync of
// 100 changed files, and of a big file's, in bench/sync (c) and (d)). A check that finds nothing
// opens no connection: a no-change run stays on this node, as before.
//
// A suspicion can be wrong (only a file's time stamp moved): the session then goes unused and
// is closed with the pool. A recorded directory is no suspect until its look found a change:
// every file received into it moves its times. A peer that cannot be reached is reported by
// the update, with the warm-up's own error (net/pool.ts warm).

import type { Config, Group, Host } from "../config/types.js";
import { PeersyncError } from "../errors.js";
import type { PeerPool } from "../net/pool.js";
import type { Session } from "../net/session.js";

export class EarlySessions {
  readonly #open: () => PeerPool;
  readonly #config: Config;
  readonly #ready: Promise<unknown>;
  readonly #peers: readonly string[] | undefined;
  readonly #suspected = new Set<string>();
  #pool: PeerPool | undefined;
  #closed = false;

  /**
   * `open` makes the pool (it reads the identity: only once `ready`, the first run's key pair,
   * has settled); `peers` limits the hosts as -P does.
   */
  constructor(options: { open: () => PeerPool; config: Config; ready: Promise<unknown>; peers?: readonly string[] | undefined }) {
    this.#open = options.open;
    this.#config = options.config;
    this.#ready = options.ready;
    this.#peers = options.peers;
  }

  /** Something in `group` may have changed: connect to its peers (once per group). */
  readonly suspect = (groupName: string): void => {
    if (this.#suspected.has(groupName)) return;
    this.#suspected.add(groupName);
    const group = this.#config.groups.find((g) => g.name === groupName);
    if (group === undefined || group.local.receiveOnly) return; // it pushes nothing
    this.#openPool().then(
      (pool) => {
        for (const host of group.peers) if (!this.#peers || this.#peers.includes(host.name)) pool.warm(group, host);
      },
      () => undefined, // the run is ending, or a broken identity: the update opens its own pool and reports it
    );
  };

  /**
   * The session to `host` of `group` from the pool the update will use (opened now if no
   * warm-up did): for work begun during the check (delta-prefetch.ts).
   */
  async session(group: Group, host: Host): Promise<Session> {
    return (await this.#openPool()).session(group, host);
  }

  /** The pool, made once the identity is ready; rejects once the run is ending. */
  async #openPool(): Promise<PeerPool> {
    await this.#ready;
    if (this.#closed) throw new PeersyncError("PEER", "Cannot connect to peers: the run is ending");
    return (this.#pool ??= this.#open());
  }

  /** The pool the warm-ups went into, for the update to use; undefined when nothing was suspected. */
  get pool(): PeerPool | undefined {
    return this.#pool;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool?.close();
  }
}
