// Resumable transfers (issue #10): a whole-file put of a large file writes through a partial
// file beside the target, named after the content hash it is becoming (Syncthing keeps its
// temporaries the same way), and kept when the transfer breaks off (connection dropped,
// pusher killed). The next put of the same content asks how much is there (`partial` request)
// and sends only the rest (`put {offset}`); the receiver hashes the kept prefix with the rest,
// so a partial that is not what it claims fails the hash and is removed, never renamed in.
// Partials expire: one older than the TTL (untouched that long) counts as absent and is
// removed, and the daemon sweeps expired ones at start (sweep.ts).
//
// Hooks: handler.ts answers `partial` (offsetFor) and passes `resume` from claim() to
// applyVersion → writeFileAtomic; transfer.ts asks askOffset() before a whole put and sends
// readChunks(file, offset) (read-chunks.ts). Deltas are not resumed (they are small; a broken one restarts).

import * as fsp from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { LogicalPath } from "../core/path.js";
import type { Session } from "../net/session.js";
import { tunable } from "../config/tunables.js";

export const PARTIAL_PREFIX = ".peersync-part-";
const PARTIAL_NAME = /^\.peersync-part-[0-9a-f]{16,64}$/;
const HEX = /^[0-9a-f]{16,128}$/;

/** Files at least this big are put resumably (PEERSYNC_RESUME_MIN_BYTES; default 1 MiB). */
export function resumeMinBytes(env: NodeJS.ProcessEnv = process.env): number {
  return tunable("PEERSYNC_RESUME_MIN_BYTES", env) ?? 1 << 20;
}

/** A partial untouched this long is stale (PEERSYNC_PARTIAL_TTL_MS; default 24 h). */
export function partialTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  return tunable("PEERSYNC_PARTIAL_TTL_MS", env) ?? 24 * 3600_000;
}

export function isPartialName(name: string): boolean {
  return PARTIAL_NAME.test(name);
}

/** The partial file for content `hash` beside local path `target`; undefined for a hash that is not plain hex. */
export function partialPath(target: string, hash: string): string | undefined {
  return HEX.test(hash) ? join(dirname(target), PARTIAL_PREFIX + hash.slice(0, 64)) : undefined;
}

/** Partials being written by this process: a second put of the same content must not share one. */
const inUse = new Set<string>();

/**
 * Bytes kept in `partial` that a put may continue from: 0 when there is none, when it is not a
 * regular file, when it is being written right now, or when it expired (then it is removed).
 */
export async function offsetFor(partial: string | undefined, now = Date.now(), ttlMs = partialTtlMs()): Promise<number> {
  if (partial === undefined || inUse.has(partial)) return 0;
  try {
    const st = await fsp.lstat(partial);
    if (!st.isFile()) return 0;
    if (now - st.mtimeMs > ttlMs) {
      await fsp.unlink(partial);
      return 0;
    }
    return st.size;
  } catch {
    return 0;
  }
}

/** Takes `partial` for one put; release() when the put ended (however). Undefined: in use, write without resuming. */
export function claim(partial: string | undefined): { path: string; release: () => void } | undefined {
  if (partial === undefined || inUse.has(partial)) return undefined;
  inUse.add(partial);
  return { path: partial, release: () => void inUse.delete(partial) };
}

/** Removes expired partials directly in `dir`'s subtree walk (sweep.ts calls this per file name). */
export async function expireIfStale(path: string, now = Date.now(), ttlMs = partialTtlMs()): Promise<boolean> {
  if (!isPartialName(basename(path)) || inUse.has(path)) return false;
  try {
    const st = await fsp.lstat(path);
    if (!st.isFile() || now - st.mtimeMs <= ttlMs) return false;
    await fsp.unlink(path);
    return true;
  } catch {
    return false;
  }
}

/** The pusher's question before a whole put: how much of `hash` does the peer keep? 0 on any failure (an older peer included). */
export async function askOffset(session: Session, path: LogicalPath, hash: string, size: number): Promise<number> {
  try {
    const reply = await session.request({ type: "partial", path, hash });
    if (reply.type !== "partial-reply") return 0;
    // A peer claiming more than the file holds is wrong; the whole file it is.
    return reply.offset <= size ? reply.offset : 0;
  } catch {
    return 0;
  }
}

