// csync2's checktxt (csync2.md §6.2) of an index entry, for `list-db` (-L) and -T listings:
// v1[:mtime=S]:mode=N:uid=N:gid=N:type=reg:size=N | :type=dir | :type=lnk:target=<url-encoded>.
// Directories and symlinks carry no mtime; `ignore uid|gid|mod` drop their field.

import type { IgnoreAttributes } from "../core/dirty.js";
import { decodeName, encodeName } from "../fs/name-codec.js";
import type { EntryRecord } from "./entries.js";

export function checktxt(r: EntryRecord, ignore: IgnoreAttributes): string {
  let text = "v1";
  if (r.kind === "file") text += `:mtime=${r.mtimeNs / 1_000_000_000n - (r.mtimeNs < 0n && r.mtimeNs % 1_000_000_000n !== 0n ? 1n : 0n)}`;
  if (!ignore.mod) text += `:mode=${r.mode}`;
  if (!ignore.uid) text += `:uid=${r.uid}`;
  if (!ignore.gid) text += `:gid=${r.gid}`;
  switch (r.kind) {
    case "file": return `${text}:type=reg:size=${r.size}`;
    case "dir": return `${text}:type=dir`;
    case "symlink": return `${text}:type=lnk:target=${urlEncode(encodeName(r.target ?? ""))}`;
  }
}

/** csync2's url_encode (urlencode.c): 0x01-0x20, 0x7F and " ' % $ : | \ become %XX. */
export function urlEncode(bytes: Uint8Array): string {
  const out: number[] = [];
  for (const b of bytes) {
    const bad = b <= 0x20 || b === 0x7f || b === 0x22 || b === 0x27 || b === 0x25 || b === 0x24 || b === 0x3a || b === 0x7c || b === 0x5c;
    if (bad) out.push(0x25, ...Buffer.from(b.toString(16).toUpperCase().padStart(2, "0")));
    else out.push(b);
  }
  // Bytes >= 0x80 stay raw (as in csync2); invalid UTF-8 among them comes back escaped.
  return decodeName(Uint8Array.from(out));
}
