// One directory of the walk: its names (escaped when not UTF-8, see name-codec.ts), the
// group's verdict on each, and the items in merge order (scanner.ts explains the order). The
// lstat batch of the children is started here so it can run while earlier directories merge.

import { lstatSync, readdirSync, type Dirent } from "node:fs";
import type { MatchResult } from "../config/types.js";
import { compareUtf8, decodeName, joinFsPath, needsEscaping } from "./name-codec.js";
import { statBatch, type StatBatch } from "./stat-batch.js";

export interface ListedChild {
  readonly name: string;
  readonly path: string;
  readonly fsPath: string | Buffer;
  readonly match: MatchResult;
  /** By d_type (or lstat when the file system does not say): walk into it. */
  readonly isDir: boolean;
  /** Its index in the listing's lstat batch. */
  readonly statIndex: number;
}

export type ListingItem =
  | { readonly type: "entry"; readonly key: string; readonly child: ListedChild }
  | { readonly type: "subtree"; readonly key: string; readonly child: ListedChild }
  | { readonly type: "keep" | "keep-below"; readonly key: string; readonly path: string };

export interface Listing {
  readonly dir: string;
  /** [errno code, message] when the directory could not be read. */
  readonly error: readonly [string, string] | undefined;
  readonly items: readonly ListingItem[];
  readonly stats: StatBatch | Promise<StatBatch>;
}

export type StatStarter = (paths: readonly (string | Buffer)[]) => StatBatch | Promise<StatBatch>;

export function listDirectory(dir: string, dirFs: string | Buffer, match: (path: string) => MatchResult, startStats: StatStarter): Listing {
  let dirents: Dirent[];
  let names: string[];
  try {
    // readdir(2) by path follows a symlink in the last component. RACE: a directory swapped for
    // a symlink after its parent was listed would be read through the link; the same directory
    // before and after the read rules that out except for a swap there and back in between.
    // Node has no openat()/O_NOFOLLOW readdir to close it completely.
    const before = lstatSync(dirFs);
    dirents = readdirSync(dirFs, { withFileTypes: true });
    names = dirents.map((d) => d.name);
    if (names.some(needsEscaping)) {
      dirents = readdirSync(dirFs, { withFileTypes: true, encoding: "buffer" }) as unknown as Dirent[];
      names = dirents.map((d) => decodeName(d.name as unknown as Buffer));
    }
    const after = lstatSync(dirFs);
    if (!before.isDirectory() || !after.isDirectory() || before.ino !== after.ino || before.dev !== after.dev) {
      return { dir, error: ["ECHANGED", "the directory was replaced while it was listed"], items: [], stats: EMPTY };
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { dir, error: [e.code ?? "EIO", `${e.code ?? String(err)} (${e.syscall ?? "scandir"})`], items: [], stats: EMPTY };
  }
  const items: ListingItem[] = [];
  const statPaths: (string | Buffer)[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
    const verdict = match(path);
    if (verdict === "ignore") {
      items.push({ type: "keep", key: name, path }, { type: "keep-below", key: `${name}/`, path });
      continue;
    }
    const fsPath = joinFsPath(dirFs, name);
    const isDir = isDirectory(dirents[i]!, fsPath);
    // A "descend" verdict on something that is not a directory contributes nothing.
    if (verdict === "descend" && !isDir) continue;
    const child: ListedChild = { name, path, fsPath, match: verdict, isDir, statIndex: statPaths.push(fsPath) - 1 };
    items.push({ type: "entry", key: name, child });
    if (isDir) items.push({ type: "subtree", key: `${name}/`, child });
  }
  items.sort(names.some(hasHighUnits) ? (a, b) => compareUtf8(a.key, b.key) : (a, b) => (a.key < b.key ? -1 : 1));
  return { dir, error: undefined, items, stats: startStats(statPaths) };
}

const EMPTY: StatBatch = { fields: new Float64Array(0), status: new Uint8Array(0), errors: [] };

function isDirectory(d: Dirent, fsPath: string | Buffer): boolean {
  if (d.isDirectory()) return true;
  if (d.isFile() || d.isSymbolicLink() || d.isFIFO() || d.isSocket() || d.isCharacterDevice() || d.isBlockDevice()) return false;
  // DT_UNKNOWN (some file systems): ask lstat.
  const batch = statBatch([fsPath]);
  return batch.status[0] === 0 && ((batch.fields[0] ?? 0) & 0o170000) === 0o040000;
}

// UTF-16 and UTF-8 orders differ only where a surrogate meets U+E000..U+FFFF; a directory of
// names without either sorts with the engine's own (faster) string comparison.
const HIGH_UNITS = /[\uD800-\uFFFF]/;
function hasHighUnits(name: string): boolean {
  return HIGH_UNITS.test(name);
}
