// Signatures of large received files, kept so the next delta against them starts at once.
// A pusher's delta needs this node's librsync signature of its current file first, and for a
// big file making it is most of the wait: 0.7 s for 256 MiB, during which the pusher can do
// nothing (it needs the whole signature before its delta starts). The daemon has time to spare
// right after it received a file, so it makes the signature then, in the background, and
// answers the next `signature` request from the cache.
//
// Keyed by content: a cached signature is the signature of the content with hash H and size
// S, under the parameters librsync picks for S, whatever path holds that content. It is made
// only from a file that held H the whole time (fstat before and after: same inode and ctime),
// and carries a sha256 of its own bytes, so a torn or damaged cache file is found and dropped,
// never sent. A wrong signature could not damage anything in any case: the patched file is
// verified against the pushed hash before it replaces anything.

import { createHash } from "node:crypto";
import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { messageOf } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { isTempName } from "../fs/temp-names.js";
import { signature } from "../delta/rsync.js";
import { readChunksReusing } from "./read-chunks.js";
import { syncSignatureOptions, syncSignatureParams } from "./sync-signature.js";
import { tunable } from "../config/tunables.js";

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CHECKSUM_BYTES = 32;

export interface SignatureCacheOptions {
  /** The cache's own directory (under the state dir). */
  readonly dir: string;
  /** Files smaller than this are not worth it (their signature is quick to make). @default 8 MiB */
  readonly minFileBytes?: number;
  /** The cache's size bound; the least recently used signatures go first. @default 256 MiB */
  readonly maxBytes?: number;
  readonly logger?: Logger;
}

/** What a file must still be for its signature to be the signature of `hash`. */
export interface FileIdentity {
  readonly ino: bigint;
  readonly dev: bigint;
  readonly ctimeNs: bigint;
}

export class SignatureCache {
  readonly #dir: string;
  readonly #minFileBytes: number;
  readonly #maxBytes: number;
  readonly #logger: Logger | undefined;
  /** Signatures being made, by key: a request for one waits for it rather than making another. */
  readonly #making = new Map<string, Promise<void>>();
  #ready: Promise<void> | undefined;

  constructor(options: SignatureCacheOptions) {
    this.#dir = options.dir;
    this.#minFileBytes = options.minFileBytes ?? 8 << 20;
    this.#maxBytes = options.maxBytes ?? 256 << 20;
    this.#logger = options.logger;
  }

  /** False when the cache is off (a size bound of 0) or the file is too small to bother. */
  wants(size: number): boolean {
    return this.#maxBytes > 0 && size >= this.#minFileBytes;
  }

  /** The cached signature of this content, verified, or undefined. Waits for one being made. */
  async get(hash: string, size: number): Promise<Buffer | undefined> {
    const key = this.#keyFor(hash, size);
    if (key === undefined) return undefined;
    await this.#making.get(key);
    let stored: Buffer;
    try {
      stored = await fsp.readFile(join(this.#dir, key));
    } catch {
      return undefined;
    }
    const sig = stored.subarray(0, stored.length - CHECKSUM_BYTES);
    if (stored.length < CHECKSUM_BYTES || !checksumOf(sig).equals(stored.subarray(sig.length))) {
      this.#logger?.warn({ key }, `signature cache: ${key} is damaged; dropped`);
      await fsp.rm(join(this.#dir, key), { force: true });
      return undefined;
    }
    // Least recently used goes first: a hit counts as a use.
    const now = new Date();
    await fsp.utimes(join(this.#dir, key), now, now).catch(() => undefined);
    return sig;
  }

  /**
   * Makes and keeps the signature of the file at `fsPath`, which holds content `hash` as long
   * as it is still `identity`. Never throws: a cache that cannot be filled is only slower.
   */
  fill(fsPath: string, hash: string, size: number, identity: FileIdentity): Promise<void> {
    const key = this.#keyFor(hash, size);
    if (key === undefined) return Promise.resolve();
    const running = this.#making.get(key);
    if (running) return running;
    const made = this.#make(fsPath, key, size, identity)
      .catch((err: unknown) => this.#logger?.info({ path: fsPath, err: messageOf(err) }, `signature cache: not filled for ${fsPath}: ${messageOf(err)}`))
      .finally(() => this.#making.delete(key));
    this.#making.set(key, made);
    return made;
  }

  /** The cache file's name, or undefined when this content is not cached (too small, odd hash). */
  #keyFor(hash: string, size: number): string | undefined {
    if (!this.wants(size)) return undefined;
    try {
      return keyOf(hash, size);
    } catch {
      return undefined;
    }
  }

  async #make(fsPath: string, key: string, size: number, identity: FileIdentity): Promise<void> {
    const file = await fsp.open(fsPath, READ_FLAGS);
    try {
      if (!sameFile(await file.stat({ bigint: true }), identity, size)) return;
      const parts: Buffer[] = [];
      for await (const bytes of signature(readChunksReusing(file), syncSignatureOptions(size))) parts.push(Buffer.from(bytes));
      // Changed while it was read: the signature may describe neither version.
      if (!sameFile(await file.stat({ bigint: true }), identity, size)) return;
      await this.#store(key, Buffer.concat(parts));
    } finally {
      await file.close();
    }
  }

  async #store(key: string, sig: Buffer): Promise<void> {
    await this.#prepare();
    await writeFileAtomic(join(this.#dir, key), [sig, checksumOf(sig)], { mode: 0o600 });
    await this.#evict();
  }

  /** Creates the directory; drops temp files a crash left (once per process). */
  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      await fsp.mkdir(this.#dir, { recursive: true, mode: 0o700 });
      for (const name of await fsp.readdir(this.#dir)) if (isTempName(name)) await fsp.rm(join(this.#dir, name), { force: true });
    })();
    return this.#ready;
  }

  /** Least recently used first, until the cache fits its bound again. */
  async #evict(): Promise<void> {
    const files = [];
    for (const name of await fsp.readdir(this.#dir)) {
      if (isTempName(name)) continue;
      const st = await fsp.stat(join(this.#dir, name)).catch(() => undefined);
      if (st) files.push({ name, size: st.size, used: st.mtimeMs });
    }
    let total = files.reduce((n, f) => n + f.size, 0);
    for (const f of files.sort((a, b) => a.used - b.used)) {
      if (total <= this.#maxBytes) break;
      await fsp.rm(join(this.#dir, f.name), { force: true });
      total -= f.size;
    }
  }
}

/** The cache file's name: content, size and the signature parameters librsync picks for it. */
export function keyOf(hash: string, size: number): string {
  // The hash names a file here: hex digits only, whatever a peer sent.
  if (!/^[0-9a-f]{16,128}$/.test(hash)) throw new RangeError(`Cannot cache a signature: "${hash.slice(0, 40)}" is not a hex content hash`);
  const p = syncSignatureParams(size);
  return `${hash}-${size}-${p.format}-${p.blockLength}-${p.strongLength}.sig`;
}

function checksumOf(sig: Buffer): Buffer {
  return createHash("sha256").update(sig).digest();
}

function sameFile(st: { ino: bigint; dev: bigint; ctimeNs: bigint; size: bigint; isFile(): boolean }, identity: FileIdentity, size: number): boolean {
  return st.isFile() && st.ino === identity.ino && st.dev === identity.dev && st.ctimeNs === identity.ctimeNs && st.size === BigInt(size);
}

/** Sizes from the environment (tests shrink them): PEERSYNC_SIG_CACHE_MIN_BYTES, PEERSYNC_SIG_CACHE_MAX_BYTES; a bad value is a UsageError. */
export function signatureCacheFromEnv(dir: string, logger: Logger | undefined, env: NodeJS.ProcessEnv = process.env): SignatureCache {
  const minFileBytes = tunable("PEERSYNC_SIG_CACHE_MIN_BYTES", env);
  const maxBytes = tunable("PEERSYNC_SIG_CACHE_MAX_BYTES", env);
  return new SignatureCache({ dir, ...(minFileBytes === undefined ? {} : { minFileBytes }), ...(maxBytes === undefined ? {} : { maxBytes }), ...(logger ? { logger } : {}) });
}
