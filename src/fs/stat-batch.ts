// lstat of many paths at once, as numbers in a typed array rather than one Stats object (and
// four Dates) per path. A batch is computed in place (small targets) or by the lstat worker
// (stat-pool.ts) while the main thread merges the previous directory with the index.

import { lstatSync } from "node:fs";
import { msFromTimeSpec, type Fingerprint } from "../core/file-state.js";

/**
 * Per path: 8 numbers in FIELDS order; status OK, MISSING or FAILED (see errors). MISSING is
 * ENOENT, ENOTDIR (a name above the path is not a directory: a file, or a symlink to one) and
 * ELOOP (a name above is a symlink that loops; lstat never follows the last name): nothing can
 * be at the path as peersync sees it, since it never goes through a symlink. Taken for a
 * failure, they made every re-check of a tombstone there "unsure", and two nodes refused each
 * other's copy of it forever.
 */
export interface StatBatch {
  readonly fields: Float64Array;
  readonly status: Uint8Array;
  /** index → [errno code, message] for FAILED entries. */
  readonly errors: readonly (readonly [number, string, string])[];
}

// HACK: process.binding("fs").lstat fills Node's stat array without building a Stats object and
// its four Dates: a third less time per lstat on a tree of small files, which is most of a
// no-change check. It is internal and deprecated (DEP0111), so it is trusted only after it
// agreed with lstatSync field for field on the first path; otherwise, or when it is gone,
// lstatSync does the work. Layout (Node 18-22): dev 0, mode 1, uid 3, gid 4, ino 7, size 8,
// mtime sec 12 / nsec 13, ctime sec 14 / nsec 15.
type RawLstat = (path: string | Buffer, bigint: false, req: undefined, throwIfNoEntry: false) => Float64Array | undefined;
let rawLstat: RawLstat | undefined | null = undefined; // undefined: not checked yet; null: unusable

/** The raw lstat if it agrees with lstatSync on `path`; null if not; undefined if `path` is missing. */
function probeRawLstat(path: string | Buffer): RawLstat | null | undefined {
  // Someone asked to hear about pending deprecations (or turned this off): respect that.
  const pending = process.execArgv.includes("--pending-deprecation") || (process.env.NODE_OPTIONS ?? "").includes("--pending-deprecation");
  if (pending || process.env.PEERSYNC_RAW_LSTAT === "0") return null;
  try {
    const binding = (process as unknown as { binding: (name: string) => { lstat?: RawLstat } }).binding("fs");
    const raw = binding.lstat;
    if (typeof raw !== "function") return null;
    const a = raw.call(binding, path, false, undefined, false);
    const b = lstatSync(path, { throwIfNoEntry: false });
    if (a === undefined || b === undefined) return undefined; // decide on a path that exists
    const agrees = a[0] === b.dev && a[1] === b.mode && a[3] === b.uid && a[4] === b.gid && a[7] === b.ino &&
      a[8] === b.size && msFromTimeSpec(a[12]!, a[13]!) === b.mtimeMs && msFromTimeSpec(a[14]!, a[15]!) === b.ctimeMs;
    return agrees ? (p, big, req, t) => raw.call(binding, p, big, req, t) : null;
  } catch {
    return null;
  }
}

export const STAT_OK = 0;
export const STAT_MISSING = 1;
export const STAT_FAILED = 2;
const WIDTH = 8;

/** lstats every path (numbers, never throws). */
export function statBatch(paths: readonly (string | Uint8Array)[]): StatBatch {
  const fields = new Float64Array(paths.length * WIDTH);
  const status = new Uint8Array(paths.length);
  const errors: [number, string, string][] = [];
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i]!;
    const path = typeof p === "string" ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    try {
      if (rawLstat === undefined) rawLstat = probeRawLstat(path);
      if (rawLstat) {
        const a = rawLstat(path, false, undefined, false);
        if (a === undefined) {
          status[i] = STAT_MISSING;
          continue;
        }
        const o = i * WIDTH;
        fields[o] = a[1]!;
        fields[o + 1] = a[3]!;
        fields[o + 2] = a[4]!;
        fields[o + 3] = a[8]!;
        fields[o + 4] = a[7]!;
        fields[o + 5] = a[0]!;
        fields[o + 6] = msFromTimeSpec(a[12]!, a[13]!);
        fields[o + 7] = msFromTimeSpec(a[14]!, a[15]!);
        continue;
      }
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (st === undefined) {
        status[i] = STAT_MISSING;
        continue;
      }
      const o = i * WIDTH;
      fields[o] = st.mode;
      fields[o + 1] = st.uid;
      fields[o + 2] = st.gid;
      fields[o + 3] = st.size;
      fields[o + 4] = st.ino;
      fields[o + 5] = st.dev;
      fields[o + 6] = st.mtimeMs;
      fields[o + 7] = st.ctimeMs;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "ENOTDIR" || e.code === "ELOOP") {
        status[i] = STAT_MISSING;
        continue;
      }
      status[i] = STAT_FAILED;
      errors.push([i, e.code ?? "EIO", `${e.code ?? "error"} (${e.syscall ?? "lstat"})`]);
    }
  }
  return { fields, status, errors };
}

/** The fingerprint of entry `i` of an OK batch. */
export function fingerprintAt(batch: StatBatch, i: number): Fingerprint {
  const f = batch.fields;
  const o = i * WIDTH;
  return { mode: f[o]!, uid: f[o + 1]!, gid: f[o + 2]!, size: f[o + 3]!, ino: f[o + 4]!, dev: f[o + 5]!, mtimeMs: f[o + 6]!, ctimeMs: f[o + 7]! };
}

/** [code, message] of a FAILED entry. */
export function errorAt(batch: StatBatch, i: number): readonly [string, string] {
  const e = batch.errors.find(([index]) => index === i);
  return e ? [e[1], e[2]] : ["EIO", "error (lstat)"];
}
