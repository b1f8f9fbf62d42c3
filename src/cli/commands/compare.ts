// `peersync compare [-r] PATH...` (csync2 -o): print the logical name of every file under the
// PATHs that a group of this node selects with its `compare` patterns active (csync2's compare
// mode: the patterns `test --diff` and csync2 -TT use), one per line, in path order. Reads the
// disk only: the index and the peers are left alone. Without -r a directory PATH is printed
// (when selected) but not entered, as csync2 does. Symlinks are never followed. Exit 0.

import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Config, Group } from "../../config/types.js";
import { shownName } from "../../core/shown-name.js";
import { messageOf } from "../../errors.js";
import { compareUtf8, decodeName, fsPath } from "../../fs/name-codec.js";
import { configFromOptions, localPathOf } from "../../index/command-support.js";
import type { Command, CommandContext } from "../context.js";
import { ExitCode } from "../exit-codes.js";

interface Selected {
  readonly path: string;
  readonly groups: string[];
}

export const run: Command = async (ctx, paths) => {
  const o = ctx.options;
  const config = configFromOptions(o);
  const groups = config.groups.filter((g) => !o.groups || o.groups.includes(g.name));
  const found = new Map<string, Selected>();
  let problems = 0;
  for (const p of paths) {
    // An undefined %prefix% is the one way this fails; its error names the prefix, quotes the
    // argument as typed and hints at the missing `on HOST:` line, as check's does.
    const local = localPathOf(config, p);
    problems += walk(ctx, groups, { local, logical: config.toLogicalPath(local) }, o.recursive, found);
  }
  // The index's order (list-db's): the names' bytes, with the escapes of fs/name-codec.ts.
  const selected = [...found.values()].sort((a, b) => compareUtf8(a.path, b.path));
  if (o.json) ctx.out(JSON.stringify(selected));
  else for (const s of selected) ctx.out(shownName(s.path));
  return problems > 0 ? ExitCode.ERROR : ExitCode.OK;
};

/** Depth-first walk; returns how many paths could not be read (each reported on stderr). */
function walk(ctx: CommandContext, groups: readonly Group[], at: { local: string; logical: string }, recursive: boolean, found: Map<string, Selected>): number {
  const results = groups.map((g) => ({ g, m: g.match(at.logical, { compareMode: true }) }));
  if (results.every((r) => r.m === "ignore")) return 0;
  let isDir: boolean;
  try {
    const st = lstatSync(fsPath(at.local), { throwIfNoEntry: false });
    if (st === undefined) return 0;
    isDir = st.isDirectory();
  } catch (err) {
    ctx.err(`peersync: Cannot read "${shownName(at.local)}": ${shownName(messageOf(err))}`);
    return 1;
  }
  const matched = results.filter((r) => r.m === "match").map((r) => r.g.name);
  if (matched.length > 0) found.set(at.logical, { path: at.logical, groups: matched });
  if (!isDir || !recursive) return 0;
  let names: string[];
  try {
    // As bytes, as the scanner reads them (fs/name-codec.ts): read as strings, two names that
    // differ only in bytes that are not UTF-8 came back as one, and named no file to lstat.
    names = readdirSync(fsPath(at.local), { encoding: "buffer" }).map(decodeName);
  } catch (err) {
    ctx.err(`peersync: Cannot read "${shownName(at.local)}": ${shownName(messageOf(err))}`);
    return 1;
  }
  let problems = 0;
  for (const name of names) {
    problems += walk(ctx, groups, { local: join(at.local, name), logical: at.logical === "/" ? `/${name}` : `${at.logical}/${name}` }, recursive, found);
  }
  return problems;
}
