// `peersync import-csync2 [--db FILE]`: seed the index from csync2's database when switching
// a node from csync2 (src/migrate/import-csync2.ts says what is recorded and why). Takes the
// run lock, so no sync runs meanwhile. Prints one summary line (or JSON) and each problem on
// stderr. Exit: 0; 1 when a row could not be imported; 6 when a sync run holds the lock.

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { countProblems, formatProblem, sortProblems } from "../../core/problem.js";
import { shownName } from "../../core/shown-name.js";
import { UsageError } from "../../errors.js";
import { configFromOptions, withIndex } from "../../index/command-support.js";
import { importCsync2, openCsync2Db, type ImportSummary } from "../../migrate/import-csync2.js";
import { acquireRunLock } from "../../sync/lock.js";
import type { Command, CommandContext } from "../context.js";
import { ExitCode } from "../exit-codes.js";

export interface ImportCommandOptions {
  readonly db?: string;
}

/** csync2's default database directory (csync2.md §1). */
export const CSYNC2_DB_DIR = "/var/lib/csync2";

export const run: Command<readonly string[], ImportCommandOptions> = async (ctx, _args, options) => {
  const config = configFromOptions(ctx.options);
  const file = resolve(options.db ?? join(CSYNC2_DB_DIR, `${config.localName}.db3`));
  if (options.db === undefined && !existsSync(file)) {
    throw new UsageError(`Cannot import: no csync2 database at "${file}"`, {
      hint: "name it with --db FILE (csync2 -C NAME uses HOST_NAME.db3; -D DIR puts it in DIR)",
    });
  }
  const csync2 = openCsync2Db(file);
  const lock = ctx.options.dryRun ? undefined : await acquireRunLock(config.stateDir);
  let summary: ImportSummary;
  try {
    summary = await withIndex(config.stateDir, (db) =>
      importCsync2(db, csync2, config, {
        dryRun: ctx.options.dryRun,
        ...(ctx.options.groups ? { groups: ctx.options.groups } : {}),
      }),
    );
  } finally {
    csync2.close();
    await lock?.release();
  }
  if (ctx.options.json) ctx.out(JSON.stringify({ database: file, dryRun: ctx.options.dryRun, ...summary, problems: sortProblems(summary.problems) }));
  else printHuman(ctx, file, summary);
  return countProblems(summary.problems, "error") > 0 ? ExitCode.ERROR : ExitCode.OK;
};

function printHuman(ctx: CommandContext, file: string, s: ImportSummary): void {
  for (const p of sortProblems(s.problems)) ctx.err(formatProblem(p));
  const dry = ctx.options.dryRun ? " (dry run: nothing recorded)" : "";
  ctx.out(
    `import-csync2 (${file}): ${s.rows} rows: ${s.inSync} in sync, ${s.pending} pending (changed since csync2's last sync), ` +
      `${s.notIncluded} not included, ${s.missing} missing on disk, ${s.alreadyIndexed} already indexed, ` +
      `${s.unsentDeletions} unsent deletions, ${s.problems.length} problems${dry}`,
  );
  if (s.unsentDeletions > 0) {
    for (const path of s.unsentDeletionPaths) ctx.err(`unsent deletion: ${shownName(path)}`);
    if (s.unsentDeletionPaths.length < s.unsentDeletions) ctx.err(`unsent deletion: ... and ${s.unsentDeletions - s.unsentDeletionPaths.length} more`);
    ctx.err("hint: csync2 had deletions it never sent (listed above); peersync does not replay them: delete those files on the peers, or run csync2 -x before importing");
  }
}
