// The put-batches of one peer's push (src/sync/README.md, protocol step 3b), from the pusher's
// side: small whole files grouped by count, content bytes and entry bytes, each batch's
// answers acted on in one index transaction, versions the peer kept taken back after it.

import { tunable } from "../config/tunables.js";
import { messageOf } from "../errors.js";
import { MAX_PUT_BATCH_ITEMS, type Answer } from "../net/messages.js";
import { handleAnswer } from "./push-answer.js";
import { countSent, isSessionError, notSent, problem, unchanged, type PeerResult, type PushContext, type Work } from "./push-context.js";
import { takeBackEach } from "./take-back.js";
import { putBatch, type BatchOutcome } from "./transfer.js";

/** Most bytes of entries in one request (an offer's, a put-batch's): its reply must fit a control frame too. */
export const BATCH_BYTES = 96 * 1024;

/**
 * Files the peer wants whole and that are at most this big travel in put-batches of at most
 * putBatchFiles() files / PUT_BATCH_BYTES of content (the peer commits each batch with one
 * syncfs, one fsync per directory and one index transaction).
 */
export const SMALL_FILE = 256 * 1024;
const PUT_BATCH_BYTES = 1 << 20;

/**
 * PEERSYNC_PUT_BATCH_FILES (1..256; tests use 1 to cut a run between files). @default 256: each
 * batch costs the peer one syncfs, one fsync per directory and one transaction (measured on
 * 10,000 × 1 KiB to 4 peers on one disk: 64 → 256 cut the run from 42 s to 24 s); an offer's
 * BATCH_BYTES bounds it first for most trees (about 150 files of 30-byte paths).
 */
function putBatchFiles(): number {
  return tunable("PEERSYNC_PUT_BATCH_FILES", process.env) ?? MAX_PUT_BATCH_ITEMS;
}

/** `work` (small files) cut into put-batches, in its order. */
export function* putBatches(work: readonly Work[]): Iterable<Work[]> {
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
export async function sendPutBatch(ctx: PushContext, batch: readonly Work[], result: PeerResult): Promise<void> {
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
  await takeBackEach(ctx, theirs, result);
}

/**
 * Acts on a put-batch's answers (in one transaction); versions to take back are collected. Our
 * entries are read once for the batch (one query per 64 instead of two per file: 0.5 s of a
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
      if (unchanged(ctx, w, now)) notSent(ctx, result, w.path, outcome.error);
      continue;
    }
    countSent(result, outcome.answer);
    if (outcome.answer.kind === "theirs") theirs.push({ work: w, answer: outcome.answer });
    else handleAnswer(ctx, w, outcome.answer, result, { now, acks });
  }
  ctx.index.acknowledgedMany(acks, ctx.host.name);
}
