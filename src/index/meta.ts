// The index's key/value metadata (schema/10-meta.sql): node id, schema version, hash algorithm.

import type { Db } from "./database.js";
import { parseHashAlgorithm, type HashAlgorithm } from "../fs/hash.js";
import { IndexError } from "../errors.js";

export class MetaStore {
  readonly #get;
  readonly #set;

  constructor(db: Db) {
    this.#get = db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?");
    this.#set = db.prepare<[string, string]>(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
  }

  get(key: string): string | undefined {
    return this.#get.get(key)?.value;
  }

  set(key: string, value: string): void {
    this.#set.run(key, value);
  }

  /** Random 128-bit hex id made when the index was created; never changes. */
  nodeId(): string {
    return this.#required("node_id");
  }

  schemaVersion(): number {
    return Number(this.#required("schema_version"));
  }

  /** The algorithm of entries.hash. */
  hashAlgorithm(): HashAlgorithm {
    return parseHashAlgorithm(this.#required("hash_algorithm"));
  }

  #required(key: string): string {
    const value = this.get(key);
    if (value === undefined) {
      throw new IndexError(`Cannot read index metadata "${key}": the row is missing`, {
        hint: "the index was opened read-only before its schema was created; run `peersync check` once",
      });
    }
    return value;
  }
}
