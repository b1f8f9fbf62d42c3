// A big file's delta, begun while sync's check still hashes it. The check must hash a changed
// file before the offer can name its version, and only then did the push ask the peer for its
// signature and make the delta: in bench/sync (d) (256 MiB, 100 edits) the hash took ~0.2 s of
// the main thread with the other core idle, then the delta ~0.35 s. The two read the same
// bytes and need nothing from each other, so the delta now starts as soon as the check's walk
// finds such a file changed (check-merge.ts onLargeSuspect), on the thread pool, beside the
// hash; the put of that file then sends what it made (and goes on making).
//
// What the delta describes is checked before it is sent: the file as the prefetch opened it
// (fstat: size, mtime, ctime, inode) must be the file the put opens, and its size and mtime
// those of the version offered; otherwise the put makes its delta as before. Whatever is sent,
// the peer verifies the SHA-256 of the file it rebuilds against the offered one and refuses a
// mismatch, and the push then sends the file whole (push.ts putVersion), as it always did for
// a file that changed while its delta was made.
//
// Bounded: at most MAX_PER_RUN prefetches per run (others are not started: their put makes the
// delta itself), each running at most `bufferBytes` of delta ahead of its put before its jobs
// wait. One the push never takes (the peer was in sync, asked for the whole file, or is down)
// is stopped when the run ends.

import type { BigIntStats } from "node:fs";
import * as fsp from "node:fs/promises";
import type { Config, Group, Host } from "../config/types.js";
import type { EntryState } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { Ahead, deltaJobs, parallelDelta } from "../delta/parallel-delta.js";
import type { Session } from "../net/session.js";
import { readChunksReusing } from "./read-chunks.js";
import { resolveTarget } from "./target.js";
import { tunable } from "../config/tunables.js";
import { sameContentStat } from "../fs/hash.js";
import { fetchSignature, READ_FLAGS } from "./transfer.js";

/** Files smaller than this hash in under ~10 ms here: nothing worth overlapping. */
export const PREFETCH_MIN_BYTES = 16 << 20;

/** The smallest file whose delta is begun during the check (PEERSYNC_DELTA_PREFETCH_MIN_BYTES). */
export function prefetchMinBytes(env: NodeJS.ProcessEnv = process.env): number {
  return tunable("PEERSYNC_DELTA_PREFETCH_MIN_BYTES", env) ?? PREFETCH_MIN_BYTES;
}
const MAX_PER_RUN = 4;

/** A delta being made for one (group, peer, path), taken by that path's put. */
export interface PrefetchedDelta {
  /** The content hash of the peer's basis the signature describes (the put's basisHash). */
  readonly basisHash: string;
  /** True once claim() handed the delta to a put. */
  readonly claimed: boolean;
  /**
   * The delta's bytes when `file` (the put's open handle) is still the file the delta is read
   * from and holds the offered version; undefined otherwise (the prefetch is stopped then).
   */
  claim(file: fsp.FileHandle, entry: EntryState): Promise<AsyncIterable<Buffer> | undefined>;
  /** Stops the jobs and closes the file (idempotent). */
  stop(): Promise<void>;
}

export interface DeltaPrefetchOptions {
  readonly config: Config;
  /** The session to a group's peer (the one the push then uses), or a rejection. */
  readonly session: (group: Group, host: Host) => Promise<Session>;
  /** Only these peers (-P). */
  readonly peers?: readonly string[] | undefined;
  /** @default prefetchMinBytes() */
  readonly minBytes?: number;
  /** Delta bytes made ahead of the put before the jobs wait. @default 16 MiB */
  readonly bufferBytes?: number;
}

export class DeltaPrefetch {
  readonly #options: DeltaPrefetchOptions;
  readonly #started = new Map<string, Promise<PrefetchedDelta | undefined>>();
  readonly #minBytes: number;
  /** Prefetches begun this run, taken or not (MAX_PER_RUN at most). */
  #begun = 0;
  #closed = false;

  constructor(options: DeltaPrefetchOptions) {
    this.#options = options;
    this.#minBytes = options.minBytes ?? prefetchMinBytes();
  }

  /** A file of `size` bytes in `group` differs from its record: start its deltas to the group's peers. */
  readonly suspect = (groupName: string, path: string, size: number): void => {
    const { config, peers } = this.#options;
    if (this.#closed || size < this.#minBytes) return;
    const group = config.groups.find((g) => g.name === groupName);
    if (group === undefined || group.local.receiveOnly) return;
    for (const host of group.peers) {
      if (peers && !peers.includes(host.name)) continue;
      const key = keyOf(groupName, host.name, path);
      if (this.#started.has(key) || this.#begun >= MAX_PER_RUN) continue;
      this.#begun++;
      this.#started.set(key, this.#start(group, host, path as LogicalPath));
    }
  };

  /** The prefetch for this put, if one was started; it is the caller's from now on (stop it when unused). */
  take(group: string, host: string, path: string): Promise<PrefetchedDelta | undefined> | undefined {
    const key = keyOf(group, host, path);
    const started = this.#started.get(key);
    this.#started.delete(key);
    return started;
  }

  /** Stops every prefetch no put took. */
  async close(): Promise<void> {
    this.#closed = true;
    const left = [...this.#started.values()];
    this.#started.clear();
    await Promise.all(left.map(async (p) => (await p)?.stop()));
  }

  /** Undefined when it cannot start (no session, no signature: the peer has no such file, …); the put then does it all. */
  async #start(group: Group, host: Host, path: LogicalPath): Promise<PrefetchedDelta | undefined> {
    let file: fsp.FileHandle | undefined;
    try {
      const session = await this.#options.session(group, host);
      const target = await resolveTarget(this.#options.config, group, path);
      file = await fsp.open(target.fs, READ_FLAGS);
      const opened = await file.stat({ bigint: true });
      const sig = await fetchSignature(session, path);
      if (this.#closed) throw new Error("closed");
      const handle = file;
      const chunks = parallelDelta(sig.bytes, Number(opened.size), { parts: deltaJobs(), read: (start, end) => readChunksReusing(handle, start, end) });
      return new Prefetch(handle, opened, sig.hash, new Ahead(chunks, this.#options.bufferBytes ?? 16 << 20));
    } catch {
      await file?.close().catch(() => undefined);
      return undefined;
    }
  }
}

class Prefetch implements PrefetchedDelta {
  #stopped: Promise<void> | undefined;
  claimed = false;

  constructor(readonly file: fsp.FileHandle, readonly opened: BigIntStats, readonly basisHash: string, readonly ahead: Ahead) {}

  async claim(put: fsp.FileHandle, entry: EntryState): Promise<AsyncIterable<Buffer> | undefined> {
    if (this.claimed || this.#stopped || !prefetchFits(this.opened, await put.stat({ bigint: true }), entry)) {
      await this.stop();
      return undefined;
    }
    this.claimed = true;
    return this.#drain();
  }

  async *#drain(): AsyncGenerator<Buffer, void, undefined> {
    try {
      yield* this.ahead.chunks();
    } finally {
      await this.stop();
    }
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.ahead.stop();
      await this.ahead.done;
      await this.file.close().catch(() => undefined);
    })();
    return this.#stopped;
  }
}

type Fingerprint = Pick<BigIntStats, "dev" | "ino" | "size" | "mtimeNs" | "ctimeNs">;

/**
 * A delta read from the file as `opened` describes the put's file (`now`) holding `entry`:
 * same inode, size and times as far as stat tells (what the check's fast path trusts too), and
 * the size and mtime of the version offered.
 */
export function prefetchFits(opened: Fingerprint, now: Fingerprint, entry: EntryState): boolean {
  const sameFile = opened.dev === now.dev && opened.ino === now.ino && sameContentStat(opened, now);
  return sameFile && entry.kind === "file" && BigInt(entry.size) === now.size && entry.mtimeNs === now.mtimeNs;
}

function keyOf(group: string, host: string, path: string): string {
  return `${group}\0${host}\0${path}`;
}
