// lstat of many local paths that sit in few directories (a put-batch's or an offer's paths:
// sync/recheck.ts), per directory through the native batch lstat on the thread pool
// (stat-native.ts: the directory opened once, each name fstatat()'ed) instead of one lstat per
// path on the main thread: 6 lstats per received file were ~20 % of a receiving daemon's main
// thread in bench/sync (a), two of them here. The result is the StatBatch statBatch() gives for
// the same paths, in their order. A directory that is missing, not a directory, or replaced
// between its lstat here and the addon's open is lstat'ed path by path instead, so every path
// gets the status statBatch would give it.

import { lstatSync, type Stats } from "node:fs";
import { dirname, basename } from "node:path";
import { fsPath } from "./name-codec.js";
import { statBatch, STAT_FAILED, type StatBatch } from "./stat-batch.js";
import { nativeStatAt, type NativeStatAt } from "./stat-native.js";

const WIDTH = 8;
/** Below this many paths in one directory, lstat in place costs less than a trip to the pool. */
const MIN_NATIVE = 8;

/** lstat of `locals` (local paths, escaped form: name-codec.ts), never throws. */
export async function statPaths(locals: readonly string[], native: NativeStatAt | undefined = nativeStatAt()): Promise<StatBatch> {
  if (native === undefined || locals.length < MIN_NATIVE) return statBatch(locals.map(fsPath));
  const byDir = new Map<string, number[]>();
  locals.forEach((local, i) => {
    const dir = dirname(local);
    const at = byDir.get(dir);
    if (at) at.push(i);
    else byDir.set(dir, [i]);
  });
  const parts = await Promise.all([...byDir].map(async ([dir, at]) => ({ at, batch: await statDirectory(native, dir, at.map((i) => locals[i]!)) })));
  const fields = new Float64Array(locals.length * WIDTH);
  const status = new Uint8Array(locals.length);
  const errors: [number, string, string][] = [];
  for (const { at, batch } of parts) {
    at.forEach((i, k) => {
      fields.set(batch.fields.subarray(k * WIDTH, (k + 1) * WIDTH), i * WIDTH);
      status[i] = batch.status[k]!;
    });
    for (const [k, code, message] of batch.errors) errors.push([at[k]!, code, message]);
  }
  return { fields, status, errors };
}

async function statDirectory(native: NativeStatAt, dir: string, locals: readonly string[]): Promise<StatBatch> {
  const inPlace = (): StatBatch => statBatch(locals.map(fsPath));
  if (locals.length < MIN_NATIVE) return inPlace();
  const dirFs = fsPath(dir);
  // ENOTDIR (a name above is a file) throws even with throwIfNoEntry: false.
  const seen = lstatOrUndefined(dirFs);
  if (seen === undefined || !seen.isDirectory()) return inPlace();
  const batch = await native({ dirFs, names: locals.map((l) => fsPath(basename(l))), dirIno: seen.ino, dirDev: seen.dev });
  // Replaced since the lstat above (ECHANGED), or not opened: ask path by path.
  return batch.status.includes(STAT_FAILED) ? inPlace() : batch;
}

function lstatOrUndefined(path: string | Buffer): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
