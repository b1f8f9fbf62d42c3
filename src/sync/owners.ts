// Owner names → this node's ids (DESIGN.md §4: owners travel by name, ids are the fallback).
// fs/owners.ts maps the other way for the index; a sync needs both, read once per run.

import { readFileSync } from "node:fs";

export interface OwnerIds {
  readonly uidOf: (name: string) => number | undefined;
  readonly gidOf: (name: string) => number | undefined;
}

export function loadOwnerIds(files: { readonly passwd?: string; readonly group?: string } = {}): OwnerIds {
  const users = parse(files.passwd ?? "/etc/passwd");
  const groups = parse(files.group ?? "/etc/group");
  return { uidOf: (n) => users.get(n), gidOf: (n) => groups.get(n) };
}

function parse(file: string): Map<string, number> {
  const ids = new Map<string, number>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return ids;
  }
  for (const line of text.split("\n")) {
    const [name, , id] = line.split(":");
    const n = Number(id);
    if (name && !name.startsWith("#") && Number.isInteger(n) && !ids.has(name)) ids.set(name, n);
  }
  return ids;
}
