// What applying versions needs from this node, built once per run or daemon.

import type { Config, Group } from "../config/types.js";
import type { Db } from "../index/database.js";
import { MetaStore } from "../index/meta.js";
import { loadOwnerNames } from "../fs/owners.js";
import type { ApplyDeps } from "./apply.js";
import { defaultBackupDirectory } from "./backup.js";
import { loadOwnerIds } from "./owners.js";

/** ApplyDeps per group (each group has its own backup-directory and generations). */
export function applyDepsFor(db: Db, config: () => Config): (group: Group) => ApplyDeps {
  const ids = loadOwnerIds();
  const names = loadOwnerNames();
  const algorithm = new MetaStore(db).hashAlgorithm();
  return (group) => ({
    ids, names, algorithm,
    backup: { directory: group.backupDirectory ?? defaultBackupDirectory(config().stateDir), generations: group.backupGenerations },
  });
}
