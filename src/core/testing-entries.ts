// Named entry fixtures for core tests (Mutagen's testing_entries_test.go). Not a test file
// itself, so node --test does not run it; only *.test.ts import it.

import type { DeletedEntry, DirEntry, EntryState, FileEntry, SymlinkEntry } from "./entry.js";
import { vectorFromWire, type VersionVector } from "./vector.js";

export interface Version {
  readonly vector?: Record<string, number> | VersionVector;
  readonly by?: string;
  readonly at?: number;
}

function versionOf(v: Version, fallbackBy: string): { vector: VersionVector; modifiedBy: string; changedAtMs: number } {
  const by = v.by ?? fallbackBy;
  return { vector: vectorFromWire(v.vector ?? { [by]: 1 }), modifiedBy: by, changedAtMs: v.at ?? 1000 };
}

const owner = { uid: 0, gid: 0, userName: "root", groupName: "root" } as const;

export function file(v: Version & Partial<Omit<FileEntry, "kind" | "vector">> = {}): FileEntry {
  return { kind: "file", mode: 0o100644, mtimeNs: 1_700_000_000_000_000_000n, size: 10, hash: "aa", ...owner, ...strip(v), ...versionOf(v, "a") };
}

export function dir(v: Version & Partial<Omit<DirEntry, "kind" | "vector">> = {}): DirEntry {
  return { kind: "dir", mode: 0o40755, size: 4096, mtimeNs: 1_700_000_000_000_000_000n, ...owner, ...strip(v), ...versionOf(v, "a") };
}

export function link(v: Version & Partial<Omit<SymlinkEntry, "kind" | "vector">> = {}): SymlinkEntry {
  const target = v.target ?? "t";
  return { kind: "symlink", target, mode: 0o120777, size: target.length, mtimeNs: 1_700_000_000_000_000_000n, ...owner, ...strip(v), ...versionOf(v, "a") };
}

export function gone(v: Version = {}): DeletedEntry {
  return { kind: "deleted", ...versionOf(v, "a") };
}

export type Maker = (v?: Version) => EntryState;
export const makers: Readonly<Record<EntryState["kind"], Maker>> = { file, dir, symlink: link, deleted: gone };

function strip<T extends Version>(v: T): Omit<T, "vector" | "by" | "at"> {
  const { vector: _v, by: _b, at: _a, ...rest } = v;
  return rest;
}
