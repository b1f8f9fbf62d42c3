// Wall clocks compared in the hello (issue #10): each side sends its clock (ms since the epoch)
// in hello / hello-ack, each side records how far the peer's clock is from its own, and
// `peersync status` and the daemon's log warn past a threshold. Why it matters: `auto younger`
// and `auto older` compare file mtimes, which come from each node's own clock, so a node whose
// clock runs ahead wins `younger` conflicts it would lose on a true clock (man peersync.cfg(5)).
// The winner stays the same on every node (all compare the same two mtimes); only fairness
// suffers, which is what the warning is for.
//
// The client measures against the midpoint of its round trip (hello out, hello-ack back); the
// server has one message and counts the one-way delay in, which on a LAN is far below the
// threshold.

import type { Db } from "../../index/database.js";

/** Default warning threshold; PEERSYNC_CLOCK_SKEW_WARN_MS overrides. */
export const DEFAULT_SKEW_WARN_MS = 30_000;

export function skewWarnMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env["PEERSYNC_CLOCK_SKEW_WARN_MS"]);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_SKEW_WARN_MS;
}

/**
 * How far the peer's clock is ahead of ours (negative: behind), from the peer's `peerClockMs`
 * and our clock when we sent our message (`sentMs`, the client's hello) and received theirs.
 */
export function measureSkew(peerClockMs: number | undefined, receivedMs: number, sentMs: number = receivedMs): number | undefined {
  if (peerClockMs === undefined) return undefined; // an older peer sends no clock
  return Math.round(peerClockMs - (sentMs + receivedMs) / 2);
}

/** The warning line for a skew past `thresholdMs`, or undefined. */
export function skewWarning(peer: string, skewMs: number | undefined, thresholdMs: number): string | undefined {
  if (skewMs === undefined || Math.abs(skewMs) <= thresholdMs) return undefined;
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  return `clock of ${peer} is ${seconds} s ${skewMs > 0 ? "ahead of" : "behind"} this node's (more than ${Math.round(thresholdMs / 1000)} s): ` +
    "auto younger/older favour the node whose clock runs ahead; fix NTP on the node that is off";
}

export interface PeerClock {
  readonly group: string;
  readonly peer: string;
  /** The peer's clock minus ours at the last handshake. */
  readonly skewMs: number;
  /** Our clock at that handshake. */
  readonly atMs: number;
}

const KEY = "peer_clock/";

/** The last measured skew per (group, peer), kept in the index's meta table. */
export class ClockStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  record(clock: PeerClock): void {
    this.#db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .run(`${KEY}${clock.group}/${clock.peer}`, JSON.stringify({ skewMs: clock.skewMs, atMs: clock.atMs }));
  }

  all(): PeerClock[] {
    const rows = this.#db.prepare<[string, string], { key: string; value: string }>("SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key")
      .all(KEY, `${KEY}\uffff`);
    const out: PeerClock[] = [];
    for (const row of rows) {
      const [group, peer] = row.key.slice(KEY.length).split("/");
      try {
        const v = JSON.parse(row.value) as { skewMs: unknown; atMs: unknown };
        if (group && peer && typeof v.skewMs === "number" && typeof v.atMs === "number") out.push({ group, peer, skewMs: v.skewMs, atMs: v.atMs });
      } catch {
        // a row this version cannot read is skipped, not fatal to status
      }
    }
    return out;
  }
}

/** Records a handshake's measurement; a read-only or busy index never fails the session for it. */
export function recordSkew(db: Db, clock: PeerClock): void {
  try {
    new ClockStore(db).record(clock);
  } catch {
    // NOTE: best effort; the next handshake measures again.
  }
}
