// Names that are not UTF-8 reach an action's "$@" as their bytes. Node hands a child its
// arguments as UTF-8 strings only, so such a name, held escaped inside peersync (U+FFFD and two
// hex digits per byte, fs/name-codec.ts), reached the command as that text and named nothing.
// It travels instead as printf %b octal text, and a few lines of POSIX sh put before the
// action's command turn exactly those arguments back into bytes, in place. Pure.

import { encodeName, needsEscaping } from "../fs/name-codec.js";

/** Which arguments the prelude decodes: their 1-based positions, space-separated. */
export const BYTE_ARGS_ENV = "PEERSYNC_BYTE_ARGS";

// `for a do` expands the arguments once, so appending to them inside the loop is safe; each
// decoded one is followed by an x that is taken off again, as $(...) drops trailing newlines.
export const BYTE_ARGS_PRELUDE = [
  "peersync_n=0",
  "for peersync_a do",
  "  peersync_n=$((peersync_n + 1))",
  `  case " $${BYTE_ARGS_ENV} " in *" $peersync_n "*) peersync_a=$(printf '%bx' "$peersync_a"); peersync_a=\${peersync_a%x} ;; esac`,
  '  set -- "$@" "$peersync_a"',
  "done",
  'shift "$peersync_n"',
  `unset peersync_n peersync_a ${BYTE_ARGS_ENV}`,
  "",
].join("\n");

export interface ShellArgs {
  /** The arguments as passed: escaped names as octal text. */
  readonly args: readonly string[];
  /** For BYTE_ARGS_ENV, or undefined when every name is UTF-8 (no prelude needed). */
  readonly positions: string | undefined;
}

/** `paths` (escaped) as arguments for `sh -c SCRIPT $0 …`, and which of them the prelude must decode. */
export function shellArgs(paths: readonly string[]): ShellArgs {
  const positions: number[] = [];
  const args = paths.map((p, i) => {
    if (!needsEscaping(p)) return p;
    positions.push(i + 1);
    return octalText(encodeName(p));
  });
  return { args, positions: positions.length > 0 ? positions.join(" ") : undefined };
}

/** printf %b text of `bytes`: printable ASCII as itself, everything else (and `\`) as \0ooo. */
export function octalText(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\0${b.toString(8).padStart(3, "0")}`;
  return out;
}
