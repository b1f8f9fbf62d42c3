// Whether a path names a writer's temp or partial file (fs/atomic-write.ts, sync/partial.ts):
// never a version. A check skips them, and they do not make a root non-empty.

import { isTempName } from "../fs/temp-names.js";
import { isPartialName } from "../sync/partial.js";

/**
 * Whether the last component of `path` is a temp or partial name. Called for every entry of a
 * walk (100 k in a no-change check): both names start with ".peersync-", so anything else is
 * settled without slicing or a regex.
 */
export function isTransferPath(path: string): boolean {
  const start = path.lastIndexOf("/") + 1;
  if (!path.startsWith(TRANSFER_PREFIX, start)) return false;
  const name = path.slice(start);
  return isTempName(name) || isPartialName(name);
}

const TRANSFER_PREFIX = ".peersync-";
