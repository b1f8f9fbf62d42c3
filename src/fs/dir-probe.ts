// One directory of a check's walk, read and lstat'ed whole by the peersync_fs addon
// (native/src/list-at.cc) on the thread pool, with a digest of everything it saw. The check
// compares the digest with the one it stored after its last full look at the directory
// (index/dir-digests.ts) and, when they agree, skips the directory's entries: no names decoded,
// no include/exclude verdicts, no index rows read. When they differ, the same names and stats
// make the directory's listing (dir-listing.ts listProbed), so it is read once either way.
// Without the addon (or with PEERSYNC_NATIVE_STAT=0) nativeDirProbe() is undefined and the walk
// lists directories as before.

import { isUtf8 } from "node:buffer";
import { fsAddon } from "./fs-addon.js";
import { decodeName } from "./name-codec.js";
import { batchOf, codeOf } from "./stat-native.js";
import type { StatBatch } from "./stat-batch.js";

/**
 * What a probe saw. The names and the stat batch are built on first use: a directory whose
 * digest matches needs neither, only where its subdirectories are (directoryIndexes()).
 */
export class DirProbe {
  /** 53 bits over the seed and every (name, errno, stat) of the directory. */
  readonly digest: number;
  /** Children whose lstat failed (any errno, ENOENT included): the digest then says nothing. */
  readonly failed: number;
  /**
   * [name, whole] hashes per child, in readdir's order (core/standing-entries.ts); empty from an
   * addon built before it returned them.
   */
  readonly hashes: Float64Array;
  readonly #bytes: Buffer;
  readonly #ends: Uint32Array;
  readonly #fields: Float64Array;
  readonly #errnos: Int32Array;
  #stats: StatBatch | undefined;

  constructor(bytes: Buffer, ends: Uint32Array, fields: Float64Array, errnos: Int32Array, digest: number, failed: number, hashes: Float64Array) {
    this.#bytes = bytes;
    this.#ends = ends;
    this.#fields = fields;
    this.#errnos = errnos;
    this.digest = digest;
    this.failed = failed;
    this.hashes = hashes;
  }

  get count(): number {
    return this.#ends.length;
  }

  /** Name `i`, escaped when it is not UTF-8 (see name-codec.ts). */
  name(i: number): string {
    const raw = this.#bytes.subarray(i === 0 ? 0 : this.#ends[i - 1]!, this.#ends[i]!);
    const text = raw.toString("utf8");
    // A literal U+FFFD (EF BF BD) is escaped too; decodeName does both.
    return isUtf8(raw) && !text.includes("\uFFFD") ? text : decodeName(raw);
  }

  /** Every child's lstat result, in readdir's order (stat-batch.ts's layout). */
  get stats(): StatBatch {
    return (this.#stats ??= batchOf(this.#fields, this.#errnos));
  }

  /** The children that are directories (lstat, never followed), in readdir's order. */
  directoryIndexes(): number[] {
    const out: number[] = [];
    const f = this.#fields;
    for (let i = 0; i < this.#ends.length; i++) {
      if (this.#errnos[i] === 0 && (f[i * 8]! & 0o170000) === 0o040000) out.push(i);
    }
    return out;
  }
}

export type ProbeResult = DirProbe | { readonly error: readonly [string, string] };

/** Reads one directory; `seed` goes into the digest (the group's rules, see check-group.ts). */
export type ProbeDir = (dirFs: string | Buffer, seed: number) => Promise<ProbeResult>;

type RawProbe = [Buffer, Uint32Array, Float64Array, Int32Array, number, number, number, number, Float64Array?];

interface ListAtAddon {
  listAt(dir: string | Buffer, seed: number): Promise<RawProbe>;
  readonly FIELDS: number;
}

const NO_HASHES = new Float64Array(0);

let loaded: ProbeDir | null | undefined;

/** The native directory probe, or undefined when the addon (or its listAt) is missing or turned off. */
export function nativeDirProbe(): ProbeDir | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

function load(): ProbeDir | null {
  if (process.env.PEERSYNC_NATIVE_STAT === "0") return null;
  const addon = fsAddon() as ListAtAddon | undefined;
  if (typeof addon?.listAt !== "function" || addon.FIELDS !== 8) return null;
  return (dirFs, seed) => probe(addon, dirFs, seed);
}

async function probe(addon: ListAtAddon, dirFs: string | Buffer, seed: number): Promise<ProbeResult> {
  let raw: RawProbe;
  try {
    raw = await addon.listAt(dirFs, seed);
  } catch (err) {
    const code = codeOf((err as { errno?: number }).errno);
    // O_NOFOLLOW on a symlink: the directory the parent's listing saw is not there any more.
    return { error: code === "ELOOP" ? ["ENOTDIR", "ENOTDIR (open)"] : [code, `${code} (opendir)`] };
  }
  const [bytes, ends, fields, errnos, , , digest, failed, hashes] = raw;
  return new DirProbe(bytes, ends, fields, errnos, digest, failed, hashes ?? NO_HASHES);
}
