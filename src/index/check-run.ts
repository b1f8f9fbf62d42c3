// `peersync check`: find what changed on this node's disk since the last check, record it in
// the index with a bumped version vector and make it pending for every peer of its group.
//
// Scope: the given paths; else the hinted paths (`peersync hint`), unless --full or there are
// none; else every include root of every group this node is in. Per group and target, the walk
// (fs/scanner.ts) and the index range are merged in path order (check-group.ts, check-merge.ts);
// writes commit in small transactions (write-batch.ts), so the check can be killed at any point.

import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { Config, Group } from "../config/types.js";
import type { ChangeKind } from "../core/dirty.js";
import type { Problem } from "../core/problem.js";
import { loadOwnerNames } from "../fs/owners.js";
import { workingDirectory } from "../fs/working-directory.js";
import { carryGoneGroups, type CarriedGroup } from "./group-carry.js";
import { checkGroup, type GroupRun } from "./check-group.js";
import { dropReceiveOnlyPending, type DroppedPending } from "./receive-only-pending.js";
import { DirDigestStore } from "./dir-digests.js";
import type { Db } from "./database.js";
import { EntryStore } from "./entries.js";
import type { Change, MergeContext } from "./check-merge.js";
import { requestedTargets, type CheckRequest } from "./check-targets.js";
import { HintStore } from "./hints.js";
import { MetaStore } from "./meta.js";
import { PendingStore } from "./pending.js";
import { excludedArgumentProblem, outsideGroupsProblem } from "./root-safety.js";
import { WriteBatch, type DryRecord } from "./write-batch.js";
import { tunable } from "../config/tunables.js";

export interface CheckOptions {
  /** Local paths to check (relative ones against `cwd`); empty: hints or everything. */
  readonly paths?: readonly (string | NamedPath)[];
  /** With paths: their subtrees too (-r). @default false */
  readonly recursive?: boolean;
  /** Walk every root even when hints exist. @default false */
  readonly full?: boolean;
  /** Hash every file, not only those whose stat changed. @default false */
  readonly checksum?: boolean;
  /** Report, write nothing (-d). @default false */
  readonly dryRun?: boolean;
  /** csync2 -I: record states without making anything pending. @default false */
  readonly init?: boolean;
  /** csync2 -F: new pending rows are forced. @default false */
  readonly markForced?: boolean;
  /** Only these groups (-G). */
  readonly groups?: readonly string[];
  /** Record deletions even when a root vanished or became empty (not an unmounted disk). @default false */
  readonly allowEmptyRoots?: boolean;
  /**
   * The paths are the operator's arguments (check, sync): one that lies under a root but that
   * every group covering it excludes is a "skipped" problem naming the exclude line, rather
   * than "0 scanned" and nothing said. @default false
   */
  readonly explainExcluded?: boolean;
  /** @default workingDirectory() (fs/working-directory.ts) */
  readonly cwd?: string;
  /** Tombstone clock, ns since the epoch. @default Date.now() */
  readonly now?: () => bigint;
  /** Called for each change as it is found (-v output). */
  readonly onChange?: (change: Change) => void;
  /**
   * Something in `group` may have changed: called as soon as the walk finds an entry that
   * differs from its record (before it is read; a recorded directory only once its look found
   * a change) or a record with nothing left on disk, and for each change. Sync starts
   * connecting to the group's peers then (net/pool.ts warm).
   */
  readonly onSuspect?: (group: string) => void;
  /**
   * The bytes of a small file whose new version was recorded for peers, as the check read and
   * hashed them (sync keeps them for its push, sync/content-cache.ts). Not called in a dry run.
   */
  readonly onContent?: (group: string, path: string, hash: string, content: Buffer) => void;
  /**
   * A big file (more than READ_LIMIT bytes) that has a record differs from it: called before
   * it is hashed, so sync can begin its deltas meanwhile (sync/delta-prefetch.ts). Only for
   * groups with peers; not called in a dry run.
   */
  readonly onLargeSuspect?: (group: string, path: string, size: number) => void;
  /** Yield point for long walks (a daemon passes one that awaits setImmediate). */
  readonly onProgress?: (scanned: number) => void | Promise<void>;
  /** lstat whole subtrees in a worker thread (PEERSYNC_CHECK_WORKER=0 also turns it off). @default true */
  readonly statWorker?: boolean;
  /** Ops per transaction. @default PEERSYNC_CHECK_BATCH, else 1000 */
  readonly batchSize?: number;
  /**
   * After each transaction: the ids of the entries it recorded new versions of for peers (not
   * tombstones). Sync pushes them while the check goes on (sync/early-push.ts). Not called in
   * a dry run.
   */
  readonly onCommit?: (ids: readonly number[]) => void;
  /** With dryRun: what would be recorded, entry by entry (index/write-batch.ts). */
  readonly onDryRecord?: (record: DryRecord) => void;
}

/** A path argument to check, with the name a problem about the argument itself gives it. */
export interface NamedPath {
  readonly local: string;
  /**
   * The argument as the operator typed it, read as output shows a name (core/argument-path.ts
   * shownReading), so that a problem line shows it as typed (core/problem.ts formatProblem).
   */
  readonly typed: string;
}

export type CheckScope = "paths" | "hints" | "full";

export interface CheckSummary {
  readonly scope: CheckScope;
  /** Entries lstat'ed. */
  readonly scanned: number;
  /** Entries that got a close look (exact lstat, hash or readlink). */
  readonly examined: number;
  readonly counts: Readonly<Record<Exclude<ChangeKind, "none">, number>>;
  readonly new: number;
  /** content + type + meta + mtime. */
  readonly modified: number;
  readonly deleted: number;
  readonly problems: readonly Problem[];
  /** A root was left alone because it looks unmounted. */
  readonly safetyStop: boolean;
  /** Rows of groups no longer in the config, moved to the groups that now select them (group-carry.ts). */
  readonly carried: readonly CarriedGroup[];
  /** Pending rows of groups this node is receive-only in, dropped (receive-only-pending.ts). */
  readonly receiveOnlyDropped: readonly DroppedPending[];
}

const MMAP_BYTES = 32 * 1024 * 1024;

function indexBytes(db: Db): number {
  return statSync(db.name, { throwIfNoEntry: false })?.size ?? 0;
}

export async function runCheck(db: Db, config: Config, options: CheckOptions = {}): Promise<CheckSummary> {
  // A bigger page cache than SQLite's 2 MB default for the inserts of a first check; small
  // enough that a check of a million files stays well under 200 MB of RSS.
  db.pragma("cache_size = -8192");
  // Fold the WAL back every 64 MB rather than every 4 MB: each fold costs two fsyncs, and a
  // first check of a million files writes a quarter of a gigabyte.
  db.pragma("wal_autocheckpoint = 16384");
  // Reads through a memory map instead of read(2) into the page cache: a no-change check reads
  // the whole fingerprint range once, and copying every page costs about a third of that. Only
  // for an index of up to 32 MB (about 110k files): mapped pages count as resident memory, and
  // a million-file check must stay well under 200 MB.
  if (indexBytes(db) <= MMAP_BYTES) db.pragma(`mmap_size = ${MMAP_BYTES}`);
  // Before anything is recorded under a renamed group: its rows keep their vectors. A dry run
  // carries them too (bookkeeping every later run does the same way; no file or peer changes),
  // or it would report every file of a renamed group as new.
  const carried = carryGoneGroups(db, config);
  // Rows a switch to receive-only left: nothing would ever send them (not in a dry run: it says so).
  const receiveOnlyDropped = dropReceiveOnlyPending(db, config, { dryRun: options.dryRun ?? false });
  const entries = new EntryStore(db);
  const hints = new HintStore(db);
  const counts = { new: 0, deleted: 0, type: 0, content: 0, meta: 0, mtime: 0 };
  const problems: Problem[] = [];
  let examined = 0;
  const digests = new DirDigestStore(db);
  const batch = new WriteBatch(entries, new PendingStore(db), {
    size: options.batchSize ?? tunable("PEERSYNC_CHECK_BATCH", process.env) ?? 1000, dryRun: options.dryRun ?? false, forced: options.markForced ?? false, digests,
    ...(options.onCommit && !options.dryRun ? { onCommit: options.onCommit } : {}),
    ...(options.onDryRecord && options.dryRun ? { onDryRecord: options.onDryRecord } : {}),
  });
  const ctx: MergeContext = {
    node: config.localName,
    entries,
    batch,
    deps: { algorithm: new MetaStore(db).hashAlgorithm(), owners: loadOwnerNames() },
    ignore: config.ignore,
    checksum: options.checksum ?? false,
    now: options.now ?? (() => BigInt(Date.now()) * 1_000_000n),
    onChange: (change) => {
      counts[change.kind]++;
      options.onSuspect?.(change.group);
      options.onChange?.(change);
    },
    onProblem: (problem) => problems.push(problem),
    ...(options.onContent && !options.dryRun ? { onContent: options.onContent } : {}),
    ...(options.onLargeSuspect && !options.dryRun ? { onLargeSuspect: options.onLargeSuspect } : {}),
    onExamined: (group, suspect) => {
      examined++;
      if (suspect) options.onSuspect?.(group);
    },
    digests,
  };

  const paths = options.paths ?? [];
  // A dry run looks at the spooled hints too but takes nothing; otherwise they move into the table.
  const hinted = paths.length === 0 ? (options.dryRun ? hints.listWithSpool() : (hints.ingestSpool(), hints.list())) : [];
  const scope: CheckScope = paths.length > 0 ? "paths" : hinted.length > 0 && !options.full ? "hints" : "full";
  const requests: CheckRequest[] =
    scope === "paths" ? paths.map((p) => request(config, resolve(options.cwd ?? workingDirectory(), typeof p === "string" ? p : p.local), options.recursive ?? false))
    : scope === "hints" ? hinted.map((h) => request(config, h.path, h.recursive))
    : [];

  const run: GroupRun = { config, options, ctx, entries, requests, scope, problems, scanned: 0, safetyStop: false, pool: undefined };
  const groups = selectGroups(config, options.groups);
  // A path named on the command line that no group covers was checked by nobody: say so,
  // rather than "0 scanned" and exit 0 (a typo, or a path outside every include root).
  // Named as typed: the reading taken of a pasted escape outside every root is no name the
  // operator ever saw (U+FFFD and hex digits became a literal U+FFFD's escaped bytes).
  if (scope === "paths") {
    requests.forEach((r, i) => {
      const p = paths[i]!;
      const shown = typeof p === "string" ? r.path : p.typed;
      const covering = groups.filter((g) => requestedTargets(g, [r]).length > 0);
      if (covering.length === 0) problems.push(outsideGroupsProblem(shown));
      else if (options.explainExcluded) {
        const excluded = excludedArgumentProblem(covering, r.path, r.recursive, shown);
        if (excluded !== undefined) problems.push(excluded);
      }
    });
  }
  try {
    for (const group of groups) await checkGroup(run, group);
    batch.flush();
  } finally {
    await run.pool?.close();
  }
  if (!options.dryRun && hinted.length > 0) hints.deleteUpTo(hinted.reduce((max, h) => Math.max(max, h.seq), 0));
  // A big first check leaves a WAL as big as the index; fold it back and truncate it.
  if (batch.written > 1000) db.pragma("wal_checkpoint(TRUNCATE)");
  return {
    scope, scanned: run.scanned, examined, counts, problems, safetyStop: run.safetyStop, carried, receiveOnlyDropped,
    new: counts.new,
    modified: counts.content + counts.type + counts.meta + counts.mtime,
    deleted: counts.deleted,
  };
}

function request(config: Config, local: string, recursive: boolean): CheckRequest {
  return { path: config.toLogicalPath(local), recursive };
}

function selectGroups(config: Config, names: readonly string[] | undefined): readonly Group[] {
  return names === undefined ? config.groups : config.groups.filter((g) => names.includes(g.name));
}
