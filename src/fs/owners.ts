// uid/gid → user and group names, for the index (DESIGN §4: owner by name and id). Node has no
// getpwuid(), so /etc/passwd and /etc/group are read once per run; ids without a name (NSS
// sources such as LDAP are not consulted) are recorded without one.

import { readFileSync } from "node:fs";

export interface OwnerNames {
  readonly user: (uid: number) => string | undefined;
  readonly group: (gid: number) => string | undefined;
}

export interface OwnerFiles {
  /** @default "/etc/passwd" */
  readonly passwd?: string;
  /** @default "/etc/group" */
  readonly group?: string;
}

/** Reads the name tables (a missing or unreadable file just means no names). */
export function loadOwnerNames(files: OwnerFiles = {}): OwnerNames {
  const users = parseIdFile(files.passwd ?? "/etc/passwd");
  const groups = parseIdFile(files.group ?? "/etc/group");
  return { user: (uid) => users.get(uid), group: (gid) => groups.get(gid) };
}

/** name:x:id:... lines → id → first name listed for it. */
function parseIdFile(file: string): Map<number, string> {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return names;
  }
  for (const line of text.split("\n")) {
    const [name, , id] = line.split(":");
    if (name === undefined || name === "" || name.startsWith("#") || id === undefined) continue;
    const n = Number(id);
    if (Number.isInteger(n) && !names.has(n)) names.set(n, name);
  }
  return names;
}
