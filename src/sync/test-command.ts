// `peersync test [PEER] [PATH]` (csync2 -T; `--diff` = -TT): compare this node with its peers
// and print csync2's lines, `L|R|X<TAB>myname<TAB>peer<TAB>path` (L only here, R only there,
// X both but different). Exit 2 when everything is in sync, 0 when differences were found,
// 1 on any error (a peer not reached too), as csync2.
//
// What it writes: a check of this node's own disk first (as `sync` does: local state is
// recorded, a local edit becomes pending for the peers, as the next check would make it), and
// each peer does the same for itself before answering `list` (sync/handler.ts). No file
// changes anywhere, nothing is sent, and no peer gets rows marked for us. csync2 compares the
// databases without checking (and tells you to run -cr first); checking first answers the
// question people ask: do the disks agree. Version vectors are not compared (core/compare.ts).

import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandContext } from "../cli/context.js";
import { ExitCode } from "../cli/exit-codes.js";
import type { Config, Group, Host } from "../config/types.js";
import { compareListings, describeDifference, formatDifference, type Difference, type Listed } from "../core/compare.js";
import { shownArgument } from "../core/argument-path.js";
import { noEntryMessage, whyNoEntry } from "../core/no-entry.js";
import type { LogicalPath } from "../core/path.js";
import { shownName } from "../core/shown-name.js";
import { messageOf, messageWithHint, UsageError } from "../errors.js";
import { fsPath } from "../fs/name-codec.js";
import { runCheck } from "../index/check-run.js";
import { configFromOptions, logicalPathOf, withArgumentIndex, withIndex } from "../index/command-support.js";
import { PinStore } from "../index/pins.js";
import { createLogger } from "../log.js";
import { loadOrCreateIdentity } from "../net/identity.js";
import { limitsFromEnv, resolveLimits } from "../net/limits.js";
import { PeerPool } from "../net/pool.js";
import type { Session } from "../net/session.js";
import { listGroup } from "./listing.js";
import { SyncIndex } from "./sync-index.js";
import { getFile } from "./transfer.js";

export interface TestFlags {
  readonly diff?: boolean;
  readonly init?: boolean;
  readonly markRemovals?: boolean;
  readonly singlePeer?: boolean;
}

/** Largest file whose content --diff shows (bigger ones: a one-line note). */
export const DIFF_MAX_BYTES = 256 * 1024;

export async function runTestCommand(ctx: CommandContext, args: readonly string[], flags: TestFlags): Promise<number> {
  if (flags.init || flags.markRemovals || flags.singlePeer) {
    throw new UsageError("Cannot run test --init: marking differences pending (csync2 -TI) is not implemented yet", { hint: "use `peersync mark PATH` and `peersync sync`" });
  }
  const o = ctx.options;
  if (o.json && flags.diff) throw new UsageError("Cannot use test --diff with --json: a diff is text", { hint: "drop one of them" });
  const config = configFromOptions(o);
  const { peer, path } = parseArgs(config, args);
  // --json: one object at the end instead of the lines (documented in man/peersync.1, JSON OUTPUT).
  const json = { differences: [] as { mark: string; myname: string; peer: string; path: string }[], errors: [] as { group: string; peer: string; message: string }[] };
  const under = path === undefined ? undefined : await withArgumentIndex(config, [path], (a) => logicalPathOf(config, path, a) as LogicalPath);
  const logger = createLogger({ verbose: o.verbose, name: "test" });
  const selected = config.groups.filter((g) => !o.groups || o.groups.includes(g.name));
  const including = under === undefined ? selected : selected.filter((g) => g.match(under) !== "ignore");
  // A path no group takes would list nothing here or there, and read as "in sync" (exit 2).
  if (path !== undefined && under !== undefined && including.length === 0) {
    // -G left out the group that takes it: say so, not "no group includes it".
    const unselected = config.groups.find((g) => !selected.includes(g) && g.match(under) !== "ignore");
    if (unselected !== undefined) {
      throw new UsageError(`Cannot test "${shownArgument(path)}": none of the groups selected with -G (${o.groups!.join(", ")}) includes it; group "${unselected.name}" does`,
        { hint: `add it: -G ${[...o.groups!, unselected.name].join(",")}, or leave -G out` });
    }
    const { why, hint } = noEntryMessage(whyNoEntry(selected, under, { recursive: true, onDisk: false }));
    throw new UsageError(`Cannot test "${shownArgument(path)}": ${why}`, { hint });
  }
  const groups = including.filter((g) => peer === undefined || g.peers.some((h) => h.name === peer));
  if (peer !== undefined && groups.length === 0) throw new UsageError(`Cannot test against "${peer}": no group of this node${path ? ` that includes "${shownArgument(path)}"` : ""} has that peer`);
  let errors = 0;
  let differences = 0;
  await withIndex(config.stateDir, async (db) => {
    const check = await runCheck(db, config, {
      groups: groups.map((g) => g.name),
      ...(under === undefined ? { full: true } : { paths: [config.toLocalPath(under)], recursive: true }),
    });
    for (const p of check.problems) ctx.err(`warning: check: ${shownName(p.path)}: ${shownName(p.message)}`);
    const index = new SyncIndex(db, config.localName);
    // One-shot: each peer not reached is named once, by its ERROR line below.
    const pool = new PeerPool({ identity: loadOrCreateIdentity(config.stateDir), pins: new PinStore(db), limits: resolveLimits(limitsFromEnv(process.env)), logger, oneShot: true });
    try {
      for (const group of groups) {
        const local = listGroup(index, group, under);
        const hosts = group.peers.filter((h) => (peer === undefined || h.name === peer) && (!o.peers || o.peers.some((p) => p.toLowerCase() === h.name.toLowerCase())));
        // Peers are asked one after another: the output is ordered by group, peer, path.
        for (const host of hosts) {
          try {
            const session = await pool.session(group, host);
            const remote = await listPeer(session, under);
            const diffs = compareListings(local, remote, config.ignore);
            differences += diffs.length;
            for (const d of diffs) {
              if (o.json) json.differences.push({ mark: d.mark, myname: group.local.name, peer: host.name, path: d.path });
              else ctx.out(formatDifference(d, group.local.name, host.name));
              if (o.verbose > 0) ctx.err(`  ${shownName(d.path)}: ${describeDifference(d)}`);
              if (flags.diff) await printDiff(ctx, config, session, group, host, d);
            }
          } catch (err) {
            errors++;
            if (o.json) json.errors.push({ group: group.name, peer: host.name, message: messageWithHint(err) });
            ctx.err(`ERROR: ${group.name}/${host.name}: ${shownName(messageWithHint(err))}`);
          }
        }
      }
    } finally {
      await pool.close();
    }
  });
  if (o.json) ctx.out(JSON.stringify({ inSync: errors === 0 && differences === 0, ...json }));
  if (errors > 0) {
    ctx.err(`Finished with ${errors} errors.`);
    return ExitCode.ERROR;
  }
  return differences > 0 ? ExitCode.OK : ExitCode.EMPTY;
}

/**
 * csync2's forms: `-T`, `-T PATH`, `-T MYNAME PEER`, `-T MYNAME PEER PATH`; and peersync's
 * `test PEER`, `test PEER PATH`. One word without a slash is a peer; two words starting with
 * this node's own name are csync2's MYNAME PEER.
 */
export function parseArgs(config: Pick<Config, "localName" | "groups">, args: readonly string[]): { peer?: string; path?: string } {
  const mine = new Set([config.localName, ...config.groups.map((g) => g.local.name)].map((n) => n.toLowerCase()));
  const isMine = (w: string): boolean => mine.has(w.toLowerCase());
  const [a, b, c] = args;
  switch (args.length) {
    case 0: return {};
    case 1: return a!.includes("/") || a!.startsWith(".") ? { path: a! } : { peer: a! };
    case 2:
      if (isMine(a!)) return { peer: b! };
      return { peer: a!, path: b! };
    case 3:
      if (!isMine(a!)) throw new UsageError(`Cannot test as "${a}": this node is "${config.localName}"`);
      return { peer: b!, path: c! };
    default:
      throw new UsageError("Cannot run test: at most MYNAME PEER PATH", { hint: "peersync test [PEER] [PATH]" });
  }
}

async function listPeer(session: Session, under: LogicalPath | undefined): Promise<Listed[]> {
  const out: Listed[] = [];
  for await (const msg of session.requestStream(under === undefined ? { type: "list" } : { type: "list", path: under })) {
    if (msg.type !== "list-reply") throw new Error(`Cannot read the peer's list: unexpected ${msg.type}`);
    out.push(...msg.entries);
  }
  return out;
}

/** csync2 -TT: `diff -Nu` of the peer's bytes (---) against this node's file (+++), for small text files. */
async function printDiff(ctx: CommandContext, config: Config, session: Session, group: Group, host: Host, d: Difference): Promise<void> {
  const isFile = (e: Difference["local"]): boolean => e?.kind === "file";
  if (!isFile(d.local) && !isFile(d.remote)) return;
  const tooBig = (e: Difference["local"]): boolean => e?.kind === "file" && e.size > DIFF_MAX_BYTES;
  if (tooBig(d.local) || tooBig(d.remote)) return ctx.out(`Files ${host.name}:${shownName(d.path)} and ${group.local.name}:${shownName(d.path)} differ (larger than ${DIFF_MAX_BYTES} bytes)`);
  const dir = mkdtempSync(join(tmpdir(), "peersync-diff-"));
  try {
    const theirs = join(dir, "peer");
    if (d.remote?.kind === "file") {
      const got = await getFile(session, d.path as LogicalPath);
      const chunks: Buffer[] = [];
      for await (const c of got.content) chunks.push(c);
      writeFileSync(theirs, Buffer.concat(chunks));
    }
    const ours = d.local?.kind === "file" ? oursForDiff(fsPath(config.toLocalPath(d.path)), join(dir, "mine")) : join(dir, "absent");
    if (isBinary(theirs) || isBinary(ours)) return ctx.out(`Binary files ${host.name}:${shownName(d.path)} and ${group.local.name}:${shownName(d.path)} differ`);
    const r = spawnSync("diff", ["-Nu", "--label", `${host.name}:${shownName(d.path)}`, theirs, "--label", `${group.local.name}:${shownName(d.path)}`, ours], { encoding: "utf8", maxBuffer: 16 << 20 });
    if (r.error) throw r.error;
    if (r.stdout) for (const line of r.stdout.replace(/\n$/, "").split("\n")) ctx.out(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * This node's file for diff(1): itself, or a copy at `copy` when its name is not UTF-8 (spawn
 * takes arguments as UTF-8 strings only); a path that is not a file now is absent.
 */
function oursForDiff(mine: string | Buffer, copy: string): string {
  try {
    if (!statSync(mine).isFile()) return `${copy}.absent`;
    if (typeof mine === "string") return mine;
    copyFileSync(mine, copy);
    return copy;
  } catch {
    return `${copy}.absent`;
  }
}

function isBinary(p: string): boolean {
  try {
    return readFileSync(p).includes(0);
  } catch {
    return false;
  }
}
