// `peersync keygen FILE` (csync2 -k FILE): a new group key in csync2's format, so the file works
// with csync2 and peersync alike: 64 characters of [A-Za-z0-9._] and a newline (csync2.md §4).
// 48 bytes from the CSPRNG give exactly 64 six-bit symbols (384 bits), as csync2 does, and the
// 64-symbol alphabet keeps every symbol equally likely. The file is created mode 0600 and never
// replaces an existing one.

import { randomBytes } from "node:crypto";
import { dirname, resolve } from "node:path";
import { PeersyncError, UsageError } from "../../errors.js";
import { createExclusive } from "../../fs/create-exclusive.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
export const KEY_LENGTH = 64;
/** What csync2 accepts when it loads a key: its first line, these characters, at least 32. */
export const KEY_PATTERN = /^[A-Za-z0-9._]{32,}$/;

/** A key from `bytes` (48 of them); random unless given, for tests. */
export function makeKey(bytes: Uint8Array = randomBytes(48)): string {
  if (bytes.length !== 48) throw new RangeError(`Cannot make a key from ${bytes.length} bytes: expected 48`);
  let key = "";
  for (let i = 0; i < bytes.length; i += 3) {
    // Three bytes → four symbols of six bits each, most significant first.
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    for (const shift of [18, 12, 6, 0]) key += ALPHABET[(n >> shift) & 63];
  }
  return key;
}

export const run: Command = async (ctx, args) => {
  const [file] = args;
  if (file === undefined || file === "" || args.length !== 1) {
    throw new UsageError("Cannot write a key: expected exactly one FILE", { hint: "usage: peersync keygen FILE" });
  }
  const path = resolve(file);
  try {
    await createExclusive(path, `${makeKey()}\n`, { mode: 0o600 });
  } catch (err) {
    throw explain(path, err);
  }
  if (ctx.options.json) ctx.out(JSON.stringify({ keyFile: path, length: KEY_LENGTH, mode: "0600" }));
  return ExitCode.OK;
};

/** The operator's view of a failed create: what happened to which path, and what to do. */
function explain(path: string, err: unknown): PeersyncError {
  const code = (err as NodeJS.ErrnoException).code;
  const fail = (reason: string, hint: string): PeersyncError =>
    new PeersyncError("IO", `Cannot write key file "${path}": ${reason}`, { cause: err, hint });
  switch (code) {
    case "EEXIST":
      return fail("it already exists", "to change a group's key, write the new one elsewhere (peersync keygen FILE.new), copy it to every host of the group, move it over the old file there (or name it in the group's key statement), then reload each daemon (systemctl reload peersync); removing the old key first stops every sync of the group");
    case "ENOENT":
      return fail(`directory "${dirname(path)}" does not exist`, "create the directory first or choose another path");
    case "ENOTDIR":
      return fail(`"${dirname(path)}" is not a directory`, "choose a path inside a directory");
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return fail(`permission denied (${code})`, "run as a user who may write there, or choose another path");
    default:
      return fail((err as Error).message ?? String(err), "check the path and the free space");
  }
}
