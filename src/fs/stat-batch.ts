// lstat of many paths at once, as numbers in a typed array rather than one Stats object (and
// four Dates) per path. A batch is computed in place (small targets) or by the lstat worker
// (stat-pool.ts) while the main thread merges the previous directory with the index.

import { lstatSync } from "node:fs";
import type { Fingerprint } from "../core/file-state.js";

/** Per path: 8 numbers in FIELDS order; status OK, MISSING (ENOENT) or FAILED (see errors). */
export interface StatBatch {
  readonly fields: Float64Array;
  readonly status: Uint8Array;
  /** index → [errno code, message] for FAILED entries. */
  readonly errors: readonly (readonly [number, string, string])[];
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
    try {
      const st = lstatSync(typeof p === "string" ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength), { throwIfNoEntry: false });
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
