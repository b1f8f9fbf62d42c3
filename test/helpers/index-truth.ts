// "The index tells the truth": every entry a node's index records matches that node's disk
// (kind, file content hash, symlink target; a tombstone means nothing is there). It holds
// right after a `peersync sync` on that node (the run checked the whole disk, and every
// version it took back it recorded as it wrote it); a node whose disk and index disagree
// will later offer a version it does not hold, or claim to have seen one it never had, which
// is how a version that lost a conflict can vanish without a backup.

import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { openIndex } from "../../src/index/database.js";
import { EntryStore } from "../../src/index/entries.js";

/** Each disagreement as "path: index says X, disk holds Y"; empty when the index is true. */
export function indexMismatches(stateDir: string, toLocal: (logical: string) => string): string[] {
  const db = openIndex(stateDir, { readonly: true });
  const out: string[] = [];
  try {
    for (const r of new EntryStore(db).all()) {
      const want = r.deletedNs !== undefined ? "nothing" : r.kind === "file" ? `file ${r.hash}` : r.kind === "symlink" ? `symlink -> ${r.target}` : "dir";
      const have = belowRealDirectories(r.path, toLocal) ? onDisk(toLocal(r.path)) : "nothing";
      if (have !== want) out.push(`${r.path}: index says ${want}, disk holds ${have}`);
    }
  } finally {
    db.close();
  }
  return out;
}

/**
 * Every directory above `logical` below its root is a real directory: as peersync sees the
 * disk, nothing is below a symlink or a file (it never follows one). lstat of the full path
 * alone went through a symlink `d` to the file its target holds at `d/b`.
 */
function belowRealDirectories(logical: string, toLocal: (logical: string) => string): boolean {
  const parts = logical.split("/");
  for (let i = 2; i < parts.length; i++) {
    const st = lstatSync(toLocal(parts.slice(0, i).join("/")), { throwIfNoEntry: false });
    if (st === undefined || !st.isDirectory()) return false;
  }
  return true;
}

function onDisk(full: string): string {
  let st;
  try {
    st = lstatSync(full);
  } catch {
    return "nothing";
  }
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return `symlink -> ${readlinkSync(full, "utf8")}`;
  if (st.isFile()) return `file ${createHash("sha256").update(readFileSync(full)).digest("hex")}`;
  return "something else";
}

/** How many (entry, peer) rows this node still has to push. */
export function pendingCount(stateDir: string): number {
  const db = openIndex(stateDir, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM pending").get() as { n: number }).n;
  } finally {
    db.close();
  }
}
