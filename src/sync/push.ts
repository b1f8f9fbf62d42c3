// Pushing one peer its pending entries (DESIGN.md §3 step 3), from the pusher's side: offer
// them in batches (deletions children-first, then writes parents-first: core/plan.ts), act
// on each answer (record the agreed vector, send content, take the peer's version back, note a
// conflict), then end the batch so the peer runs its actions. What the peer acknowledged stops
// being pending; everything else stays pending for the next run.

import { tunable } from "../config/tunables.js";
import { entryToWire } from "../core/entry.js";
import { compareVectors, mergeVectors } from "../core/vector.js";
import { orderOperations } from "../core/plan.js";
import type { LogicalPath } from "../core/path.js";
import { messageOf, ProtocolError } from "../errors.js";
import type { PendingRow } from "../index/pending.js";
import { MAX_PUT_BATCH_ITEMS, type Answer, type OfferItem } from "../net/messages.js";
import type { LocalEntry } from "./sync-index.js";
import { isSessionError, kindCode, problem, unchanged, type PeerResult, type PushContext, type Work } from "./push-context.js";
import { takeBack } from "./take-back.js";
import { putBatch, putFile, type BatchOutcome } from "./transfer.js";
import { PutWindow } from "./put-window.js";

export type { PeerResult, PushContext };

/** Most entries per offer, and most bytes of entries (the reply must fit a control frame too). */
const BATCH_ENTRIES = 200;
const BATCH_BYTES = 96 * 1024;

/**
 * Files the peer wants whole and that are at most this big travel in put-batches of at most
 * PUT_BATCH_FILES files / PUT_BATCH_BYTES of content (the peer commits each batch with one
 * fsync per directory and one index transaction), PUT_WINDOW batches in flight at once.
 */
const SMALL_FILE = 256 * 1024;

/**
 * A file at most this big whose version was made on this node goes straight into a put-batch,
 * without an offer: the peer decides on a put-batch's files exactly as on offered ones (after
 * the same re-check), and it cannot hold a version it has not acknowledged, so the offer would
 * only have answered "send whole" (below the peer's PEERSYNC_WHOLE_FILE_BELOW, 64 KiB by
 * default). That spares both sides one round of encoding, decoding, index reads and re-check
 * per file (a fifth of a receiving daemon's time on 10,000 new files). What it can waste: the
 * bytes of a file the peer turns out to hold already (a lost acknowledgement), at most this many.
 */
const DIRECT_FILE = 16 * 1024;
const PUT_BATCH_BYTES = 1 << 20;
const PUT_WINDOW = 3;

/**
 * PEERSYNC_PUT_BATCH_FILES (1..256; tests use 1 to cut a run between files). @default 256: each
 * batch costs the peer one syncfs, one fsync per directory and one transaction (measured on
 * 10,000 × 1 KiB to 4 peers on one disk: 64 → 256 cut the run from 42 s to 24 s); an offer's
 * BATCH_BYTES bounds it first for most trees (about 150 files of 30-byte paths).
 */
function putBatchFiles(): number {
  return tunable("PEERSYNC_PUT_BATCH_FILES", process.env) ?? MAX_PUT_BATCH_ITEMS;
}



export async function pushPending(ctx: PushContext, rows: readonly PendingRow[]): Promise<PeerResult> {
  const result: PeerResult = {
    group: ctx.group.name, peer: ctx.host.name, offered: 0, sent: 0, applied: 0, fetched: 0, inSync: 0,
    conflicts: [], problems: [], changedRemote: [], fetchedPaths: [], actionsRan: 0, actionsFailed: 0,
  };
  const work: Work[] = [];
  // Every pending entry read in bulk (two queries per id were ~0.2 s of 10,000 files' push, all of
  // it before the first offer).
  const locals = ctx.index.localsById(rows.map((row) => row.entryId));
  for (const row of rows) {
    const local = locals.get(row.entryId);
    if (!local) continue;
    work.push({ path: row.path as LogicalPath, op: row.deleted ? "delete" : "write", local, forced: row.forced || local.forced });
  }
  const window = new PutWindow(PUT_WINDOW);
  try {
    for (const batch of batches(orderOperations(work))) await offerBatch(ctx, batch, result, window);
    await window.drain();
  } finally {
    await window.settle();
  }
  if (!ctx.dryRun && result.changedRemote.length > 0) {
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
  return result;
}

function* batches(work: readonly Work[]): Iterable<Work[]> {
  let batch: Work[] = [];
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
  // `all` is in parents-first order and its offer is answered (directories made) before any
  // put-batch of it leaves, so a file sent without an offer finds its parent.
  const small = batched && !ctx.dryRun ? all.filter((w) => goesDirect(ctx, w)) : [];
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
          answer = await putFile(ctx.session, ctx.config, ctx.group, { path: w.path, entry: w.local.entry, forced: w.forced }, answer.mode);
        } finally {
          release();
        }
        result.sent++;
      }
      if (answer.kind === "theirs" && !ctx.dryRun) theirs.push({ work: w, answer });
      else handleAnswer(ctx, w, answer, result);
    } catch (err) {
      if (isSessionError(ctx, err)) throw err;
      problem(ctx, result, w.path, messageOf(err));
    }
  }
  // Small files go in put-batches, a few in flight while the next offer is answered.
  for (const group of putBatches(small)) await window.add(() => sendPutBatch(ctx, group, result));
  // Versions taken back: removals children-first, then the rest parents-first.
  const ordered = orderOperations(theirs.map((t) => ({ ...t, path: t.work.path, op: t.answer.entry.kind === "deleted" ? "delete" as const : "write" as const })));
  for (const t of ordered) {
    try {
      await takeBack(ctx, t.work, t.answer, result);
    } catch (err) {
      if (isSessionError(ctx, err)) throw err;
      problem(ctx, result, t.work.path, messageOf(err));
    }
  }
}

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

/** DIRECT_FILE: a small file whose vector holds only this node's counter (never the peer's). */
function goesDirect(ctx: PushContext, w: Work): boolean {
  const e = w.local.entry;
  if (w.op !== "write" || e.kind !== "file" || e.size > DIRECT_FILE) return false;
  for (const node in e.vector) if (node !== ctx.config.localName) return false;
  return true;
}

function* putBatches(work: readonly Work[]): Iterable<Work[]> {
  const files = putBatchFiles();
  let batch: Work[] = [];
  let bytes = 0;
  let meta = 0;
  for (const w of work) {
    const size = w.local.entry.kind === "file" ? w.local.entry.size : 0;
    const entryBytes = Buffer.byteLength(w.path) * 2 + 600;
    if (batch.length > 0 && (batch.length >= files || bytes + size > PUT_BATCH_BYTES || meta + entryBytes > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
      meta = 0;
    }
    batch.push(w);
    bytes += size;
    meta += entryBytes;
  }
  if (batch.length > 0) yield batch;
}

/** One put-batch: each file's answer is acted on as a single put's would be. */
async function sendPutBatch(ctx: PushContext, batch: readonly Work[], result: PeerResult): Promise<void> {
  let outcomes;
  try {
    outcomes = await putBatch(ctx.session, ctx.config, ctx.group, batch.map((w) => ({ path: w.path, entry: w.local.entry, forced: w.forced })), ctx.contents);
  } catch (err) {
    if (isSessionError(ctx, err)) throw err;
    for (const w of batch) problem(ctx, result, w.path, messageOf(err));
    return;
  }
  const theirs: { work: Work; answer: Extract<Answer, { kind: "theirs" }> }[] = [];
  // One index transaction for the batch's acknowledgements rather than two per file; if the
  // index fails, none is recorded and every file stays pending (sent again next run).
  try {
    ctx.index.entries.transaction(() => recordAnswers(ctx, batch, outcomes, result, theirs));
  } catch (err) {
    for (const w of batch) problem(ctx, result, w.path, `Cannot record the answer: ${messageOf(err)}`);
    return;
  }
  for (const t of theirs) {
    try {
      await takeBack(ctx, t.work, t.answer, result);
    } catch (err) {
      if (isSessionError(ctx, err)) throw err;
      problem(ctx, result, t.work.path, messageOf(err));
    }
  }
}

/**
 * Acts on a put-batch's answers (in one transaction); versions to take back are collected. Our
 * entries are read once for the batch (two queries per 64 instead of two per file: 0.5 s of a
 * pusher's CPU per peer for 10,000 files). Exact: nothing else runs inside the transaction, and
 * acting on one answer writes only that path's rows.
 */
function recordAnswers(ctx: PushContext, batch: readonly Work[], outcomes: readonly BatchOutcome[], result: PeerResult, theirs: { work: Work; answer: Extract<Answer, { kind: "theirs" }> }[]): void {
  const now = ctx.index.localsById(batch.map((w) => w.local.record.id));
  const acks: number[] = [];
  for (const [i, w] of batch.entries()) {
    const outcome = outcomes[i]!;
    if (outcome.answer === undefined) {
      // RACE: another peer's version replaced ours while this batch read it (a take-back, which
      // may put a directory there: EISDIR): as for a single put, that version travels in the
      // next round and the row stays pending; not a problem of this run.
      if (unchanged(ctx, w, now)) problem(ctx, result, w.path, messageOf(outcome.error));
      continue;
    }
    result.sent++;
    if (outcome.answer.kind === "theirs") theirs.push({ work: w, answer: outcome.answer });
    else handleAnswer(ctx, w, outcome.answer, result, { now, acks });
  }
  ctx.index.acknowledgedMany(acks, ctx.host.name);
}

/**
 * In a batch: `now` holds our entries as just read in bulk, by id (else each is read here), and
 * the ids the peer acknowledged go to `acks` for the caller to record at once (else each is
 * recorded here).
 */
function handleAnswer(ctx: PushContext, w: Work, answer: Answer, result: PeerResult, batch?: { now: ReadonlyMap<number, LocalEntry>; acks: number[] }): void {
  const id = w.local.record.id;
  ctx.item(`${ctx.host.name}\t${codeOf(w, answer)}\t${w.path}${"decision" in answer ? `\t${answer.decision}` : ""}`);
  if (ctx.dryRun) return;
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
      } else result.inSync++;
      return;
    case "conflict":
      ctx.index.versions.addConflict(id, ctx.host.name, JSON.stringify(entryToWire(answer.entry)), Date.now());
      result.conflicts.push(w.path);
      ctx.logger.warn({ path: w.path, peer: ctx.host.name }, `conflict left unresolved (auto none): ${w.path}; run \`peersync force\` on the side that should win`);
      return;
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
