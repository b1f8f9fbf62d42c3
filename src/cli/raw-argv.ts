// Node decodes the command line as UTF-8, so a file name with other bytes in it (Latin-1,
// say) reaches process.argv with U+FFFD where those bytes were, and names nothing on disk:
// `peersync force "$F"` said "not in the index", `check "$F"` found nothing to check. Such an
// argument is taken again from the kernel's copy of the command line, byte for byte, in the
// escaped form every path inside peersync uses (fs/name-codec.ts). Linux only (/proc); where
// it cannot be read, the arguments stay as Node decoded them.

import { readFileSync } from "node:fs";
import { decodeName, needsEscaping } from "../fs/name-codec.js";

/** `args` (process.argv without node and the script) with each lossy one read again as bytes. */
export function rawArgs(args: readonly string[], cmdline: () => Buffer = () => readFileSync("/proc/self/cmdline")): string[] {
  if (!args.some(needsEscaping)) return [...args];
  let raw: Buffer[];
  try {
    raw = splitCmdline(cmdline());
  } catch {
    return [...args];
  }
  // node, its own flags, the script, then exactly our arguments: the last args.length entries.
  if (raw.length < args.length) return [...args];
  const mine = raw.slice(raw.length - args.length);
  return args.map((a, i) => (needsEscaping(a) ? decodeName(mine[i]!) : a));
}

function splitCmdline(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0) {
      parts.push(buf.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < buf.length) parts.push(buf.subarray(start));
  return parts;
}
