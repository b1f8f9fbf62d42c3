// `peersync check [-r] [-d] [PATH...]` (csync2 -c): record what changed on disk and make it
// pending for the peers. Prints one summary line (or one JSON object with --json), each change
// with -v, problems on stderr. Exit: 0; 1 when a path could not be read; 5 (safety stop) when a
// root looked unmounted and was left alone.

import { countProblems, formatProblem, sortProblems } from "../../core/problem.js";
import { shownName } from "../../core/shown-name.js";
import { runCheck, type CheckSummary } from "../../index/check-run.js";
import type { Change } from "../../index/check-merge.js";
import { carriedText } from "../../index/group-carry.js";
import { droppedText } from "../../index/receive-only-pending.js";
import { checkPathOf, configFromOptions, withIndex } from "../../index/command-support.js";
import { heldIn } from "../../index/held-paths.js";
import type { Command, CommandContext } from "../context.js";
import { checkProgress } from "../progress-runs.js";
import { ExitCode } from "../exit-codes.js";

export interface CheckCommandOptions {
  readonly checksum?: boolean;
  readonly full?: boolean;
  readonly init?: boolean;
  readonly markForced?: boolean;
  readonly allowEmptyRoots?: boolean;
}

/** Changes listed in --json output at most (the counts are always complete). */
const JSON_CHANGES_LIMIT = 10_000;

export const run: Command<readonly string[], CheckCommandOptions> = async (ctx, paths, options) => {
  const config = configFromOptions(ctx.options);
  const changes: Change[] = [];
  const started = performance.now();
  const summary = await withIndex(config.stateDir, async (db) => {
    const progress = checkProgress(ctx, db);
    // A deletion pasted as list-pending shows it exists in neither reading: the index tells.
    const held = heldIn(db, config.groups);
    try {
      return await runCheck(db, config, {
        // As on disk, or as peersync prints them (%prefix%/...).
        paths: paths.map((p) => checkPathOf(config, p, { held })),
        recursive: ctx.options.recursive,
        dryRun: ctx.options.dryRun,
        full: options.full === true,
        checksum: options.checksum === true,
        init: options.init === true,
        markForced: options.markForced === true,
        allowEmptyRoots: options.allowEmptyRoots === true,
        explainExcluded: true,
        ...(ctx.options.groups ? { groups: ctx.options.groups } : {}),
        onChange: (change) => {
          if (ctx.options.json) {
            if (changes.length < JSON_CHANGES_LIMIT) changes.push(change);
          } else if (ctx.options.verbose > 0) {
            ctx.out(`${ctx.options.dryRun ? "would mark" : "marked"} ${change.kind}: ${shownName(change.path)}`);
          }
        },
        onProgress: progress.onProgress,
      });
    } finally {
      progress.done();
    }
  });
  const seconds = (performance.now() - started) / 1000;
  // On stderr in both modes: said once, when the rows go.
  for (const d of summary.receiveOnlyDropped) ctx.err(droppedText(d, { dryRun: ctx.options.dryRun }));
  if (ctx.options.json) printJson(ctx, summary, changes, seconds);
  else printHuman(ctx, summary, seconds);
  if (summary.safetyStop) return ExitCode.SAFETY_STOP;
  return countProblems(summary.problems, "error") > 0 ? ExitCode.ERROR : ExitCode.OK;
};

function printHuman(ctx: CommandContext, s: CheckSummary, seconds: number): void {
  for (const c of s.carried) ctx.err(carriedText(c));
  for (const p of sortProblems(s.problems)) ctx.err(formatProblem(p));
  const dry = ctx.options.dryRun ? " (dry run: nothing recorded)" : "";
  ctx.out(
    `check (${s.scope}): ${s.new} new, ${s.modified} modified, ${s.deleted} deleted, ${s.problems.length} problems` +
      ` (${s.scanned} scanned, ${s.examined} examined, ${seconds.toFixed(2)} s)${dry}`,
  );
}

function printJson(ctx: CommandContext, s: CheckSummary, changes: readonly Change[], seconds: number): void {
  ctx.out(
    JSON.stringify({
      scope: s.scope,
      dryRun: ctx.options.dryRun,
      new: s.new,
      modified: s.modified,
      deleted: s.deleted,
      counts: s.counts,
      scanned: s.scanned,
      examined: s.examined,
      seconds: Number(seconds.toFixed(3)),
      safetyStop: s.safetyStop,
      carried: s.carried,
      problems: sortProblems(s.problems),
      changes,
      changesTruncated: s.new + s.modified + s.deleted > changes.length,
    }),
  );
}
