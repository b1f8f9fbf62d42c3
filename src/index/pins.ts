// Peer certificate pins (schema/40-peer-pins.sql): trust on first key-authenticated contact.
// net/ decides when to pin and when to refuse; this file only stores.

import type { Db } from "./database.js";

export interface Pin {
  readonly host: string;
  readonly fingerprint: string;
  readonly certDer: Buffer;
  readonly group: string;
  readonly pinnedAt: number;
  readonly lastSeenAt: number;
}

interface PinRow {
  host: string;
  fingerprint: string;
  cert_der: Buffer;
  group_name: string;
  pinned_at: number;
  last_seen_at: number;
}

function toPin(row: PinRow): Pin {
  return {
    host: row.host,
    fingerprint: row.fingerprint,
    certDer: row.cert_der,
    group: row.group_name,
    pinnedAt: row.pinned_at,
    lastSeenAt: row.last_seen_at,
  };
}

/** Prepared statements over peer_pins. */
export class PinStore {
  readonly #get;
  readonly #insert;
  readonly #touch;
  readonly #delete;
  readonly #list;

  /** The index it stores in (the handshake also records the peer's clock there: net/handshake/clock.ts). */
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    this.#get = db.prepare<[string], PinRow>("SELECT * FROM peer_pins WHERE host = ?");
    // OR IGNORE: when two sessions of a new peer race, the first pin stands and the second is
    // compared against it by the caller re-reading.
    this.#insert = db.prepare(
      "INSERT OR IGNORE INTO peer_pins (host, fingerprint, cert_der, group_name, pinned_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#touch = db.prepare("UPDATE peer_pins SET last_seen_at = ? WHERE host = ?");
    this.#delete = db.prepare("DELETE FROM peer_pins WHERE host = ?");
    this.#list = db.prepare<[], PinRow>("SELECT * FROM peer_pins ORDER BY host");
  }

  get(host: string): Pin | undefined {
    const row = this.#get.get(host);
    return row === undefined ? undefined : toPin(row);
  }

  /** Records a first pin; returns the pin in force afterwards (an earlier one wins a race). */
  pin(host: string, fingerprint: string, certDer: Buffer, group: string, now: number): Pin {
    this.#insert.run(host, fingerprint, certDer, group, now, now);
    return this.get(host)!;
  }

  touch(host: string, now: number): void {
    this.#touch.run(now, host);
  }

  /** Forgets the pin of `host`; true when there was one. */
  reset(host: string): boolean {
    return this.#delete.run(host).changes > 0;
  }

  list(): Pin[] {
    return this.#list.all().map(toPin);
  }
}
