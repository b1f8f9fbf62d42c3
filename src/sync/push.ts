// Pushing one peer its pending entries (DESIGN.md §3 step 3), from the pusher's side: offer
// them in batches (deletions children-first, then writes parents-first: core/plan.ts; small
// files made here skip the offer and go straight into put-batches: push-batch.ts), act
// on each answer (record the agreed vector, send content, take the peer's version back, note a
// conflict), then end the batch so the peer runs its actions. What the peer acknowledged stops
// being pending; everything else stays pending for the next run.

import { orderOperations, skipsOffer } from "../core/plan.js";
import type { LogicalPath } from "../core/path.js";
import { messageOf, ProtocolError } from "../errors.js";
import type { PendingRow } from "../index/pending.js";
import type { Answer, OfferItem } from "../net/messages.js";
import { handleAnswer } from "./push-answer.js";
import { BATCH_BYTES, putBatches, sendPutBatch, SMALL_FILE } from "./push-batch.js";
import { countSent, isSessionError, newResult, notSent, problem, unchanged, type PeerResult, type PushContext, type Work } from "./push-context.js";
import { takeBackEach } from "./take-back.js";
import { putFile } from "./transfer.js";
import { PutWindow } from "./put-window.js";

export type { PeerResult, PushContext };

/** Most entries per offer (and BATCH_BYTES of them: the reply must fit a control frame too). */
const BATCH_ENTRIES = 200;


/** Put-batches (push-batch.ts) in flight at once while the next entries are offered. */
const PUT_WINDOW = 3;

/**
 * Pushes `rows` and ends the batch. `prior`: the result to add to (what went during the check,
 * early-push.ts, or one the caller keeps to count what a push lost mid-way did); else a new one.
 */
export async function pushPending(ctx: PushContext, rows: readonly PendingRow[], prior?: PeerResult): Promise<PeerResult> {
  const result = prior ?? newResult(ctx.group.name, ctx.host.name);
  await pushRows(ctx, rows, result);
  await endBatch(ctx, result);
  return result;
}

/** Offers and sends `rows`, adding to `result`; the batch stays open (endBatch). */
export async function pushRows(ctx: PushContext, rows: readonly PendingRow[], result: PeerResult): Promise<void> {
  const planned = orderOperations(rows.map((row) => ({ row, path: row.path as LogicalPath, op: row.deleted ? "delete" as const : "write" as const })));
  const window = new PutWindow(PUT_WINDOW);
  try {
    for (const batch of batches(planned)) {
      const work = workOf(ctx, batch);
      if (work.length > 0) await offerBatch(ctx, work, result, window);
    }
    await window.drain();
  } finally {
    await window.settle();
  }
}

/** Ends the batch when the peer changed anything in it, so it runs its actions once for all of it. */
export async function endBatch(ctx: PushContext, result: PeerResult): Promise<void> {
  if (ctx.dryRun || result.changedRemote.length === 0) return;
  try {
    const reply = await ctx.session.request({ type: "batch-end" });
    if (reply.type === "batch-end-reply") {
      result.actionsRan = reply.ran;
      result.actionsFailed = reply.failed;
    }
  } catch (err) {
    // The entries are applied and acknowledged; only the peer's actions are in doubt (its
    // queue keeps them until they ran).
    problem(ctx, result, ctx.group.name, `Cannot end the batch (actions): ${messageOf(err)}`);
  }
}

/**
 * The entries of one batch as this node holds them now, read in bulk (two queries per id were
 * ~0.2 s of 10,000 files' push) and batch by batch: reading them all up front held the first
 * offer back by as long (bench/sync (a)). A row whose entry is gone is skipped.
 */
function workOf(ctx: PushContext, batch: readonly { row: PendingRow; path: LogicalPath; op: Work["op"] }[]): Work[] {
  const locals = ctx.index.localsById(batch.map((b) => b.row.entryId));
  const work: Work[] = [];
  for (const { row, path, op } of batch) {
    const local = locals.get(row.entryId);
    if (local) work.push({ path, op, local, forced: row.forced || local.forced });
  }
  return work;
}

function* batches<T extends { readonly path: string }>(work: readonly T[]): Iterable<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const w of work) {
    const size = Buffer.byteLength(w.path) * 2 + 600;
    if (batch.length > 0 && (batch.length >= BATCH_ENTRIES || bytes + size > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(w);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

async function offerBatch(ctx: PushContext, all: readonly Work[], result: PeerResult, window: PutWindow): Promise<void> {
  const batched = ctx.session.peer.version[0] > 1 || ctx.session.peer.version[1] >= 1; // put-batch: protocol 1.1
  // Small files made here skip the offer (core/plan.ts skipsOffer; bench/sync (a): the receiving
  // daemon's CPU 1.35 -> 1.19 s, the wire 17.9 -> 13.9 MiB). `all` is in parents-first order and
  // its offer is answered (directories made) before any put-batch of it leaves, so a file sent
  // without an offer finds its parent.
  const small = batched && !ctx.dryRun ? all.filter((w) => skipsOffer(w.op, w.local.entry, ctx.config.localName)) : [];
  const direct = new Set(small);
  const batch = direct.size === 0 ? all : all.filter((w) => !direct.has(w));
  const answers = await offer(ctx, batch);
  result.offered += all.length;
  const theirs: { work: Work; answer: Extract<Answer, { kind: "theirs" }> }[] = [];
  for (const [i, w] of batch.entries()) {
    let answer = answers[i]!;
    try {
      if (answer.kind === "send" && !ctx.dryRun && batched && answer.mode === "whole" && w.local.entry.kind === "file" && w.local.entry.size <= SMALL_FILE) {
        small.push(w);
        continue;
      }
      if (answer.kind === "send" && !ctx.dryRun) {
        const release = await ctx.receiver.lockPath(w.path);
        try {
          // Another peer's version may have replaced ours meanwhile (a take-back): that one
          // travels in the next round; the row stays pending.
          if (!unchanged(ctx, w)) continue;
          answer = await putVersion(ctx, w, answer.mode);
        } finally {
          release();
        }
        countSent(result, answer);
      }
      if (answer.kind === "theirs" && !ctx.dryRun) theirs.push({ work: w, answer });
      else handleAnswer(ctx, w, answer, result);
    } catch (err) {
      if (isSessionError(ctx, err)) throw err;
      notSent(ctx, result, w.path, err);
    }
  }
  // Small files go in put-batches, a few in flight while the next offer is answered.
  for (const group of putBatches(small)) await window.add(() => sendPutBatch(ctx, group, result));
  // Versions taken back: removals children-first, then the rest parents-first.
  await takeBackEach(ctx, orderOperations(theirs.map((t) => ({ ...t, path: t.work.path, op: t.answer.entry.kind === "deleted" ? "delete" as const : "write" as const }))), result);
}

/**
 * Sends our version of `w` as the peer asked. A delta the peer refused because the file it
 * rebuilt does not hash to this version (block sums that matched other bytes: a signature that
 * does not describe its basis, or a crafted MD4 collision, sync-signature.ts), or because it
 * could not rebuild one at all (RSYNC: a copy past the end of a basis shorter than the
 * signature said), goes again whole: it costs that file's bytes, never a file left behind for
 * good, run after run.
 */
async function putVersion(ctx: PushContext, w: Work, mode: "whole" | "delta"): Promise<Answer> {
  const item = { path: w.path, entry: w.local.entry, forced: w.forced };
  const taken = ctx.deltas?.take(ctx.group.name, ctx.host.name, w.path);
  const early = mode === "delta" ? await taken : undefined;
  let answer: Answer;
  try {
    answer = await putFile(ctx.session, ctx.config, ctx.group, item, mode, early);
  } finally {
    // Sent, or not wanted (a whole put, a delta of a file that changed since): its jobs stop.
    await (await taken)?.stop();
  }
  if (early?.claimed) ctx.logger.debug({ path: w.path, peer: ctx.host.name }, `${w.path}: sent the delta begun during the check`);
  if (mode !== "delta" || answer.kind !== "refused" || !DELTA_MISFITS.has(answer.code)) return answer;
  const why = answer.code === "HASH_MISMATCH" ? "rebuilt it from our delta with another content hash" : `could not rebuild it from our delta (${answer.message})`;
  ctx.logger.warn({ path: w.path, peer: ctx.host.name }, `${ctx.host.name} ${why}: ${w.path}; sending it whole`);
  return putFile(ctx.session, ctx.config, ctx.group, item, "whole");
}

/** Refusals of a delta that say it did not fit the peer's file: the file goes again whole. */
const DELTA_MISFITS: ReadonlySet<string> = new Set(["HASH_MISMATCH", "RSYNC"]);

/** The peer's answer to each entry of `batch`, in its order (no request for an empty batch). */
async function offer(ctx: PushContext, batch: readonly Work[]): Promise<Answer[]> {
  if (batch.length === 0) return [];
  const entries: OfferItem[] = batch.map((w) => ({ path: w.path, entry: w.local.entry, forced: w.forced }));
  const reply = await ctx.session.request({ type: "offer", entries, dryRun: ctx.dryRun });
  if (reply.type !== "offer-reply" || reply.answers.length !== batch.length) {
    throw new ProtocolError(`Cannot read offer reply from "${ctx.host.name}": expected ${batch.length} answers`);
  }
  return reply.answers.map((got, i) => {
    if (got.path !== batch[i]!.path) throw new ProtocolError(`Cannot read offer reply from "${ctx.host.name}": answer ${i} is for another path`);
    return got.answer;
  });
}

