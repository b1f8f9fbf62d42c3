// Creates a file with its full content or not at all, and never replaces an existing one: the
// content goes to a temp file in the same directory, is fsynced, then hard-linked to its name.
// link(2) fails with EEXIST when the name exists (even as a dangling symlink, which it does not
// follow), so there is no window in which an existing key could be clobbered, and a crash leaves
// either no file or the complete file (plus, at worst, a stray temp file).

import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, open, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface CreateExclusiveOptions {
  /** Permission bits, applied with fchmod so the umask cannot widen or narrow them. @default 0o600 */
  readonly mode?: number;
}

/** Writes `data` to the new file `path`; throws EEXIST (code) when `path` exists. */
export async function createExclusive(path: string, data: string | Uint8Array, options: CreateExclusiveOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeSynced(temp, data, mode);
  try {
    await link(temp, path);
  } catch (err) {
    if (!linkUnsupported(err)) throw err;
    // NOTE: some filesystems (vfat, some FUSE) have no hard links. O_EXCL still never
    // clobbers; only the all-or-nothing guarantee is lost there.
    await writeSynced(path, data, mode);
  } finally {
    await unlink(temp).catch(() => {});
  }
  await syncDir(dir);
}

async function writeSynced(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const file = await open(path, flags, mode);
  try {
    await file.chmod(mode);
    await file.writeFile(data);
    await file.sync();
  } catch (err) {
    await file.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw err;
  }
  await file.close();
}

function linkUnsupported(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS";
}

/** Makes the new directory entry durable; a directory that cannot be opened is left as is. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory (EINVAL); the file itself is synced.
  } finally {
    await handle.close();
  }
}
