// The working directory as peersync names paths. process.cwd() decodes the kernel's bytes as
// UTF-8, so in a directory whose name is not UTF-8 it has U+FFFD where those bytes were, and a
// relative argument resolved against it named nothing (`cd /srv/caf\xE9 && peersync check x`
// checked no file). Read again as bytes from /proc/self/cwd, in the escaped form every path
// inside peersync takes (fs/name-codec.ts), as cli/raw-argv.ts does for the arguments. Linux
// only; where it cannot be read, process.cwd() as Node decoded it.

import { readlinkSync } from "node:fs";
import { decodeName, needsEscaping } from "./name-codec.js";

/** The working directory, escaped; `readCwd` gives its bytes (tests replace it). */
export function workingDirectory(cwd = process.cwd(), readCwd: () => Buffer = () => readlinkSync("/proc/self/cwd", { encoding: "buffer" })): string {
  if (!needsEscaping(cwd)) return cwd;
  try {
    return decodeName(readCwd());
  } catch {
    return cwd;
  }
}
