// The two runs that show progress, and where their totals come from. A check counts entries
// scanned against the entries the index holds (a full check walks about that many; the first
// check has no total, so no ETA). A sync counts (path, peer) rows done against the pending rows,
// and bytes against the sizes of the pending files; a row counts as done when the push reports
// it (sync/push.ts's itemized line: `peer<TAB>code<TAB>path[<TAB>decision]`, the path as
// core/shown-name.ts writes it, so a tab in a name cannot shift the columns).

import { shownName } from "../core/shown-name.js";
import type { Db } from "../index/database.js";
import { EntryStore } from "../index/entries.js";
import { PendingStore } from "../index/pending.js";
import type { CommandContext } from "./context.js";
import { NO_PROGRESS, type Progress } from "./progress.js";

export interface CheckProgress {
  /** Give to runCheck's onProgress (entries scanned so far in the current walk target). */
  readonly onProgress: (scanned: number) => void;
  readonly done: () => void;
}

export function checkProgress(ctx: CommandContext, db: Db, label = "check"): CheckProgress {
  const line = ctx.progress?.(label, "scanned") ?? NO_PROGRESS;
  if (line === NO_PROGRESS) return { onProgress: () => {}, done: () => {} };
  const row = db.prepare("SELECT count(*) AS n FROM entries WHERE deleted_ns IS NULL").get() as { n: number };
  line.update({ files: 0, totalFiles: row.n > 0 ? row.n : undefined });
  const scannedSoFar = runningTotal();
  const onProgress = (scanned: number): void => line.update({ files: scannedSoFar(scanned) });
  return { onProgress, done: () => line.done() };
}

/**
 * runCheck reports each walk target's own count (it restarts at the next target), every few
 * thousand entries: a count that drops starts a new target. Targets too small to report are
 * missed, so the total may run a little behind; the check's summary line has the exact count.
 * Exported for tests.
 */
export function runningTotal(): (scanned: number) => number {
  let before = 0;
  let last = 0;
  return (scanned) => {
    if (scanned < last) before += last;
    last = scanned;
    return before + scanned;
  };
}

export interface SyncProgress {
  /** Give every itemized push line to this (as well as to whatever prints them). */
  readonly item: (line: string) => void;
  readonly done: () => void;
}

export function syncProgress(ctx: CommandContext, db: Db, label: string): SyncProgress {
  const line: Progress = ctx.progress?.(label, "done") ?? NO_PROGRESS;
  if (line === NO_PROGRESS) return { item: () => {}, done: () => {} };
  const entries = new EntryStore(db);
  const sizes = new Map<string, number>();
  let totalBytes = 0;
  const rows = new PendingStore(db).list();
  for (const r of rows) {
    const e = r.deleted ? undefined : entries.getById(r.entryId);
    const size = e?.kind === "file" ? e.size : 0;
    sizes.set(`${r.peer}\0${shownName(r.path)}`, size);
    totalBytes += size;
  }
  let files = 0;
  let bytes = 0;
  line.update({ files, totalFiles: rows.length, bytes, totalBytes });
  return {
    item: (text) => {
      const item = parseItem(text);
      if (item === undefined) return;
      files++;
      bytes += item.moved ? (sizes.get(`${item.peer}\0${item.path}`) ?? 0) : 0;
      line.update({ files, bytes });
    },
    done: () => line.done(),
  };
}

/**
 * One itemized push line → the peer, the path and whether content moved (`>f` sent, `<f` taken
 * back); undefined for anything else. Exported for tests.
 */
export function parseItem(text: string): { peer: string; path: string; moved: boolean } | undefined {
  const [peer, code, path] = text.split("\t");
  if (peer === undefined || code === undefined || path === undefined || peer === "" || path === "") return undefined;
  return { peer, path, moved: /^[<>]f/.test(code) };
}
