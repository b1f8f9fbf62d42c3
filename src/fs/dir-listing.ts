// One directory of the walk: its names (escaped when not UTF-8, see name-codec.ts), the
// group's verdict on each, and the items in merge order (scanner.ts explains the order). The
// lstat batch of the children is started here so it can run while earlier directories merge.

import { lstatSync, readdirSync, type Dirent } from "node:fs";
import type { MatchResult } from "../config/types.js";
import { compareUtf8, decodeName, fsPath, joinFsPath, needsEscaping } from "./name-codec.js";
import { isTempName } from "./temp-names.js";
import { statBatch, type StatBatch } from "./stat-batch.js";
import type { DirStatRequest } from "./stat-native.js";
import type { DirProbe } from "./dir-probe.js";

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
  /**
   * Children that stand as recorded and have no item (core/standing-entries.ts): the walk
   * passes over their rows between the items. 0 or absent: every child has its items.
   */
  readonly standing?: number;
}

/** The children of one listing to lstat: by name in the directory the listing read, or by path. */
export interface ListingStatRequest extends DirStatRequest {
  readonly paths: readonly (string | Buffer)[];
}

/**
 * Where a listing's lstat batch runs: inline (synchronously, before the items are built), or
 * elsewhere (the native addon on the thread pool, or the lstat worker) while earlier
 * directories merge.
 */
export type StatStarter = ((request: ListingStatRequest) => Promise<StatBatch>) | undefined;

interface Candidate {
  readonly name: string;
  readonly path: string;
  readonly fsPath: string | Buffer;
  readonly verdict: MatchResult;
  readonly dirent: Dirent | undefined;
}

export function listDirectory(dir: string, dirFs: string | Buffer, match: (path: string) => MatchResult, pooled: StatStarter): Listing {
  // Inline, the lstat batch tells directories apart; a pooled batch comes later, so d_type does.
  const read = readNames(dirFs, pooled !== undefined);
  if ("error" in read) return { dir, error: read.error, items: [], stats: EMPTY };
  const items: ListingItem[] = [];
  const candidates: Candidate[] = [];
  for (let i = 0; i < read.names.length; i++) {
    const name = read.names[i]!;
    const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
    // A version being received (atomic-write.ts's temp file) is not part of the tree.
    const verdict = isTempName(name) ? "ignore" : match(path);
    if (verdict === "ignore") items.push({ type: "keep", key: name, path }, { type: "keep-below", key: `${name}/`, path });
    else candidates.push({ name, path, fsPath: joinFsPath(dirFs, name), verdict, dirent: read.dirents?.[i] });
  }
  const inline = pooled === undefined ? statBatch(candidates.map((c) => c.fsPath)) : undefined;
  const statPaths: (string | Buffer)[] = [];
  const statNames: (string | Buffer)[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const isDir = inline ? inline.status[i] === 0 && ((inline.fields[i * 8] ?? 0) & 0o170000) === 0o040000 : isDirectory(c.dirent!, c.fsPath);
    // A "descend" verdict on something that is not a directory contributes nothing.
    if (c.verdict === "descend" && !isDir) continue;
    if (!inline) statNames.push(fsPath(c.name));
    const statIndex = inline ? i : statPaths.push(c.fsPath) - 1;
    const child: ListedChild = { name: c.name, path: c.path, fsPath: c.fsPath, match: c.verdict, isDir, statIndex };
    items.push({ type: "entry", key: c.name, child });
    if (isDir) items.push({ type: "subtree", key: `${c.name}/`, child });
  }
  sortItems(items, read.names.some(hasHighUnits));
  const request = { dirFs, names: statNames, paths: statPaths, dirIno: read.ino, dirDev: read.dev };
  return { dir, error: undefined, items, stats: inline ?? pooled!(request) };
}

/**
 * The listing of a directory the native probe read (dir-probe.ts): its names and stats as they
 * are. `standing` flags children that stand as recorded (core/standing-entries.ts): those that
 * are not directories get no item (directories keep theirs: the walk goes into them).
 */
export function listProbed(dir: string, dirFs: string | Buffer, probe: DirProbe, match: (path: string) => MatchResult, standing?: Uint8Array): Listing {
  const items: ListingItem[] = [];
  const stats = probe.stats;
  let highUnits = false;
  let passed = 0;
  for (let i = 0; i < probe.count; i++) {
    const isDir = stats.status[i] === 0 && ((stats.fields[i * 8] ?? 0) & 0o170000) === 0o040000;
    if (standing?.[i] === 1 && !isDir) {
      passed++;
      continue;
    }
    const name = probe.name(i);
    const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
    highUnits ||= hasHighUnits(name);
    const verdict = isTempName(name) ? "ignore" : match(path);
    if (verdict === "ignore") {
      items.push({ type: "keep", key: name, path }, { type: "keep-below", key: `${name}/`, path });
      continue;
    }
    if (verdict === "descend" && !isDir) continue;
    const child: ListedChild = { name, path, fsPath: joinFsPath(dirFs, name), match: verdict, isDir, statIndex: i };
    items.push({ type: "entry", key: name, child });
    if (isDir) items.push({ type: "subtree", key: `${name}/`, child });
  }
  sortItems(items, highUnits);
  return { dir, error: undefined, items, stats, standing: passed };
}

/** Where an item's range of the index starts: its path, or the key of what is below it. */
export function keyPath(item: ListingItem): string {
  if (item.type === "entry") return item.child.path;
  if (item.type === "subtree") return `${item.child.path}/`;
  return item.type === "keep" ? item.path : `${item.path}/`;
}

/** Items in the index's order: byte order of the keys (see scanner.ts). */
export function sortItems(items: { readonly key: string }[], highUnits: boolean): void {
  items.sort(highUnits ? (a, b) => compareUtf8(a.key, b.key) : (a, b) => (a.key < b.key ? -1 : 1));
}

type ReadResult =
  | { readonly names: string[]; readonly dirents: Dirent[] | undefined; readonly ino: number; readonly dev: number }
  | { readonly error: readonly [string, string] };

function readNames(dirFs: string | Buffer, withTypes: boolean): ReadResult {
  try {
    // readdir(2) by path follows a symlink in the last component. RACE: a directory swapped for
    // a symlink after its parent was listed would be read through the link; the same directory
    // before and after the read rules that out except for a swap there and back in between.
    // Node has no openat()/O_NOFOLLOW readdir to close it completely.
    const before = lstatSync(dirFs);
    let dirents = withTypes ? readdirSync(dirFs, { withFileTypes: true }) : undefined;
    let names = dirents ? dirents.map((d) => d.name) : readdirSync(dirFs);
    if (names.some(needsEscaping)) {
      dirents = withTypes ? (readdirSync(dirFs, { withFileTypes: true, encoding: "buffer" }) as unknown as Dirent[]) : undefined;
      const raw = dirents ? dirents.map((d) => d.name as unknown as Buffer) : readdirSync(dirFs, { encoding: "buffer" });
      names = raw.map(decodeName);
    }
    const after = lstatSync(dirFs);
    if (!before.isDirectory() || !after.isDirectory() || before.ino !== after.ino || before.dev !== after.dev) {
      return { error: ["ECHANGED", "the directory was replaced while it was listed"] };
    }
    return { names, dirents, ino: after.ino, dev: after.dev };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { error: [e.code ?? "EIO", `${e.code ?? String(err)} (${e.syscall ?? "scandir"})`] };
  }
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
export function hasHighUnits(name: string): boolean {
  return HIGH_UNITS.test(name);
}
