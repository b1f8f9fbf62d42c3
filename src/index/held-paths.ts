// Whether this node's index holds a logical path in one of the config's groups, a tombstone
// included: how a path argument in its shown form (core/argument-path.ts) is recognised when
// the file it names is gone from the disk, as a deletion that list-pending and -T list is.

import type { Statement } from "better-sqlite3";
import type { Db } from "./database.js";

/** A lookup for ArgumentOptions.held (command-support.ts); its statement is prepared on first use. */
export function heldIn(db: Db, groups: readonly { readonly name: string }[]): (logical: string) => boolean {
  let idOf: Statement | undefined;
  return (logical) => {
    const statement = (idOf ??= db.prepare("SELECT id FROM entries WHERE grp = ? AND path = ?").pluck());
    return groups.some((g) => statement.get(g.name, logical) !== undefined);
  };
}
