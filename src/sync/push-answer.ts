// What the pusher does with a peer's answer about one entry (offered or put): record the
// agreed vector and stop the entry being pending for that peer, note a conflict left to
// `auto none`, report a refusal, and print the itemized line (rsync -i style). Answers "send"
// and "theirs" are acted on by push.ts and take-back.ts before they come here.

import { conflictKey, versionPair } from "../core/conflict-notice.js";
import { entryToWire } from "../core/entry.js";
import { shownName } from "../core/shown-name.js";
import { compareVectors, mergeVectors } from "../core/vector.js";
import type { Answer } from "../net/messages.js";
import { kindCode, problem, unchanged, type PeerResult, type PushContext, type Work } from "./push-context.js";
import type { LocalEntry } from "./sync-index.js";

/**
 * In a batch: `now` holds our entries as just read in bulk, by id (else each is read here), and
 * the ids the peer acknowledged go to `acks` for the caller to record at once (else each is
 * recorded here).
 */
export function handleAnswer(ctx: PushContext, w: Work, answer: Answer, result: PeerResult, batch?: { now: ReadonlyMap<number, LocalEntry>; acks: number[] }): void {
  const id = w.local.record.id;
  ctx.item(`${ctx.host.name}\t${codeOf(w, answer)}\t${shownName(w.path)}${"decision" in answer ? `\t${answer.decision}` : ""}`);
  if (ctx.dryRun) {
    // Why the real run would be refused (a `?` line says only that it would): the same warning,
    // not counted, as a dry run's exit code does not count what it previews.
    if (answer.kind === "refused") ctx.logger.warn({ path: w.path, peer: ctx.host.name }, `${ctx.host.name}: ${w.path}: ${answer.code}: ${answer.message}`);
    return;
  }
  switch (answer.kind) {
    case "in-sync":
    case "applied":
      // RACE: another peer's version may have replaced ours while this one answered (the same
      // run takes versions back from several peers at once): then the answer is about a
      // version we no longer hold, and the entry stays pending for this peer.
      {
        const current = unchanged(ctx, w, batch?.now);
        if (!current) return;
        // Another peer's answer may have merged its vector meanwhile: keep both. A peer that
        // took our version answers with our own vector: nothing to write then.
        const merged = mergeVectors(current.entry.vector, answer.vector);
        if (compareVectors(merged, current.entry.vector) !== "equal") ctx.index.recordVector(current, merged);
      }
      if (batch) batch.acks.push(id);
      else ctx.index.acknowledged(id, ctx.host.name);
      if (answer.kind === "applied") {
        result.applied++;
        result.changedRemote.push(w.path);
        // The peer's label: "remote" is us.
        if (answer.decision.startsWith("conflict-remote-wins")) result.conflictsWon++;
      } else result.inSync++;
      return;
    case "conflict": {
      // A standing conflict met again (a retry of continuous mode) is told at debug (core/conflict-notice.ts).
      const recorded = ctx.index.versions.conflictsOf(id).some((c) => c.peer === ctx.host.name);
      ctx.index.versions.addConflict(id, ctx.host.name, JSON.stringify(entryToWire(answer.entry)), Date.now());
      result.conflicts.push(w.path);
      const level = ctx.receiver.notices.notice(conflictKey(ctx.group.name, w.path, ctx.host.name), versionPair(w.local.entry, answer.entry), recorded);
      ctx.logger[level]({ path: w.path, peer: ctx.host.name }, `conflict left unresolved (auto none): ${w.path}; run \`peersync force\` on the side that should win`);
      return;
    }
    case "refused":
      problem(ctx, result, w.path, `${answer.code}: ${answer.message}`);
      return;
    default:
      problem(ctx, result, w.path, `unexpected answer ${answer.kind}`);
  }
}

/** rsync -i-like code: > sent, . attributes/none, * deleted, = in sync, ! conflict, ? refused. */
function codeOf(w: Work, answer: Answer): string {
  const k = kindCode(w.local.entry.kind);
  switch (answer.kind) {
    case "in-sync": return `=${k}`;
    case "send": return `>${k}`;
    case "applied": return w.op === "delete" ? "*deleting" : `>${k}`;
    case "theirs": return `<${kindCode(answer.entry.kind)}`;
    case "conflict": return `!${k}`;
    case "refused": return `?${k}`;
  }
}
