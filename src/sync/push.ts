// Pushing one peer its pending entries (DESIGN.md §3 step 3), from the pusher's side: offer
// them in batches (deletions children-first, then writes parents-first: core/plan.ts), act
// on each answer (record the agreed vector, send content, take the peer's version back, note a
// conflict), then end the batch so the peer runs its actions. What the peer acknowledged stops
// being pending; everything else stays pending for the next run.

import type { Logger } from "pino";
import type { Config, Group, Host } from "../config/types.js";
import { entryToWire, sameVersion } from "../core/entry.js";
import { compareVectors, mergeVectors } from "../core/vector.js";
import { orderOperations } from "../core/plan.js";
import type { LogicalPath } from "../core/path.js";
import { messageOf, PeerError, ProtocolError } from "../errors.js";
import type { PendingRow } from "../index/pending.js";
import { MAX_PUT_BATCH_ITEMS, type Answer, type OfferItem } from "../net/messages.js";
import type { Session } from "../net/session.js";
import { applyVersion, type ApplyDeps } from "./apply.js";
import { backupFile } from "./backup.js";
import type { ContentCache } from "./content-cache.js";
import type { Receiver } from "./receive.js";
import type { LocalEntry, SyncIndex } from "./sync-index.js";
import { resolveTarget } from "./target.js";
import { ChangedMeanwhileError, getFile, putBatch, putFile, type BatchOutcome } from "./transfer.js";
import { PutWindow } from "./put-window.js";

export interface PushContext {
  readonly config: Config;
  readonly group: Group;
  readonly host: Host;
  readonly session: Session;
  readonly index: SyncIndex;
  readonly receiver: Receiver;
  readonly deps: ApplyDeps;
  readonly logger: Logger;
  readonly dryRun: boolean;
  /** One itemized line per path (rsync -i style, see README). */
  readonly item: (line: string) => void;
  /** Small files read once for all the run's peers (content-cache.ts). */
  readonly contents?: ContentCache;
}

export interface PeerResult {
  readonly group: string;
  readonly peer: string;
  offered: number;
  sent: number;
  applied: number;
  fetched: number;
  inSync: number;
  readonly conflicts: string[];
  readonly problems: { path: string; message: string }[];
  /** Paths the peer changed on its disk (the sender's do-local actions). */
  readonly changedRemote: string[];
  /** Paths this node took back from the peer (its receiver actions). */
  readonly fetchedPaths: string[];
  actionsRan: number;
  actionsFailed: number;
}

/** Most entries per offer, and most bytes of entries (the reply must fit a control frame too). */
const BATCH_ENTRIES = 200;
const BATCH_BYTES = 96 * 1024;

/**
 * Files the peer wants whole and that are at most this big travel in put-batches of at most
 * PUT_BATCH_FILES files / PUT_BATCH_BYTES of content (the peer commits each batch with one
 * fsync per directory and one index transaction), PUT_WINDOW batches in flight at once.
 */
const SMALL_FILE = 256 * 1024;
const PUT_BATCH_FILES = putBatchFiles(process.env["PEERSYNC_PUT_BATCH_FILES"]);
const PUT_BATCH_BYTES = 1 << 20;
const PUT_WINDOW = 3;

/**
 * PEERSYNC_PUT_BATCH_FILES (1..256; tests use 1 to cut a run between files). @default 256: each
 * batch costs the peer one syncfs, one fsync per directory and one transaction (measured on
 * 10,000 × 1 KiB to 4 peers on one disk: 64 → 256 cut the run from 42 s to 24 s); an offer's
 * BATCH_BYTES bounds it first for most trees (about 150 files of 30-byte paths).
 */
function putBatchFiles(raw: string | undefined): number {
  const n = Number(raw ?? MAX_PUT_BATCH_ITEMS);
  return Number.isInteger(n) && n >= 1 && n <= MAX_PUT_BATCH_ITEMS ? n : MAX_PUT_BATCH_ITEMS;
}

interface Work { readonly path: LogicalPath; readonly op: "delete" | "write"; readonly local: LocalEntry; readonly forced: boolean }

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

async function offerBatch(ctx: PushContext, batch: readonly Work[], result: PeerResult, window: PutWindow): Promise<void> {
  const entries: OfferItem[] = batch.map((w) => ({ path: w.path, entry: w.local.entry, forced: w.forced }));
  const reply = await ctx.session.request({ type: "offer", entries, dryRun: ctx.dryRun });
  if (reply.type !== "offer-reply" || reply.answers.length !== batch.length) {
    throw new ProtocolError(`Cannot read offer reply from "${ctx.host.name}": expected ${batch.length} answers`);
  }
  result.offered += batch.length;
  const theirs: { work: Work; answer: Extract<Answer, { kind: "theirs" }> }[] = [];
  const small: Work[] = [];
  const batched = ctx.session.peer.version[0] > 1 || ctx.session.peer.version[1] >= 1; // put-batch: protocol 1.1
  for (const [i, w] of batch.entries()) {
    const got = reply.answers[i]!;
    if (got.path !== w.path) throw new ProtocolError(`Cannot read offer reply from "${ctx.host.name}": answer ${i} is for another path`);
    let answer = got.answer;
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

function* putBatches(work: readonly Work[]): Iterable<Work[]> {
  let batch: Work[] = [];
  let bytes = 0;
  let meta = 0;
  for (const w of work) {
    const size = w.local.entry.kind === "file" ? w.local.entry.size : 0;
    const entryBytes = Buffer.byteLength(w.path) * 2 + 600;
    if (batch.length > 0 && (batch.length >= PUT_BATCH_FILES || bytes + size > PUT_BATCH_BYTES || meta + entryBytes > BATCH_BYTES)) {
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
    else handleAnswer(ctx, w, outcome.answer, result, now);
  }
}

/** `now`: our entries as just read in bulk, by id (else each is read here). */
function handleAnswer(ctx: PushContext, w: Work, answer: Answer, result: PeerResult, now?: ReadonlyMap<number, LocalEntry>): void {
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
        const current = unchanged(ctx, w, now);
        if (!current) return;
        // Another peer's answer may have merged its vector meanwhile: keep both. A peer that
        // took our version answers with our own vector: nothing to write then.
        const merged = mergeVectors(current.entry.vector, answer.vector);
        if (compareVectors(merged, current.entry.vector) !== "equal") ctx.index.recordVector(current, merged);
      }
      ctx.index.acknowledged(id, ctx.host.name);
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

/** The peer's version won (or we were behind): apply it here, backing ours up if it lost a conflict. */
async function takeBack(ctx: PushContext, w: Work, answer: Extract<Answer, { kind: "theirs" }>, result: PeerResult): Promise<void> {
  // Peers are pushed in parallel, and two of them may both answer "theirs" for one path. One
  // take-back at a time, each re-reading our disk and index under the lock: the second then
  // finds our version replaced and leaves the path to the next round. Unserialised, both wrote
  // the file and recorded it in either order, so the index could name one peer's version
  // (and vector) while the disk held the other's, and the next edit here claimed to supersede
  // a version it never held: that peer then replaced it without a backup.
  const releasePath = await ctx.receiver.lockPath(w.path);
  const release = await ctx.receiver.mutex.lock();
  try {
    await takeBackLocked(ctx, w, answer, result);
  } finally {
    release();
    releasePath();
  }
}

async function takeBackLocked(ctx: PushContext, w: Work, answer: Extract<Answer, { kind: "theirs" }>, result: PeerResult): Promise<void> {
  const entry = answer.entry;
  // Our disk may have changed since this run's check: look again, so an edit made meanwhile
  // becomes a version of its own (offered next run) instead of being overwritten silently.
  if ((await ctx.receiver.recheck(ctx.group, [w.path])).has(w.path)) {
    return problem(ctx, result, w.path, "the file here changed while it was checked: not replaced now; the next run retries");
  }
  const current = unchanged(ctx, w);
  if (!current) return;
  // A directory here that still holds entries survives the peer's deletion of it.
  if (await ctx.receiver.keepsDir(ctx.group, w.path, entry)) return;
  const vector = mergeVectors(current.entry.vector, answer.vector);
  ctx.item(`${ctx.host.name}\t<${kindCode(answer.entry.kind)}\t${w.path}\t${answer.decision}`);
  // Ours lost a conflict, or is a file a directory or symlink replaces: keep a copy.
  const lost = w.local.entry.kind === "file" && (answer.decision.startsWith("conflict") || entry.kind === "dir" || entry.kind === "symlink");
  let fetched: Awaited<ReturnType<typeof getFile>> | undefined;
  try {
    if (entry.kind === "file" && entry.size > 0) {
      try {
        fetched = await getFile(ctx.session, w.path);
        if (fetched.entry.kind !== "file" || fetched.entry.hash !== entry.hash) throw new ChangedMeanwhileError(w.path);
      } catch (err) {
        if (lost) await keepLoser(ctx, w.path);
        throw err;
      }
    }
    if (entry.kind !== "deleted") await ctx.receiver.reviveParents(ctx.group, w.path);
    const target = await resolveTarget(ctx.config, ctx.group, w.path);
    // Decided on the index as the re-check above left it; a local write during the fetch makes
    // the swap refuse (replace.ts), and the next run decides between that write and the peer's.
    const applied = await applyVersion(target, entry, ctx.deps, {
      backup: lost, expect: () => ctx.index.expected(ctx.group.name, w.path), ...(fetched ? { content: fetched.content } : {}),
    });
    ctx.receiver.record(ctx.group, w.path, entry, applied.observed, vector, ctx.host);
    if (applied.backupPath) ctx.logger.warn({ path: w.path, backup: applied.backupPath }, `lost a conflict: ${w.path} backed up to ${applied.backupPath}`);
    // Our other peers have the version we just replaced: they need this one.
    const id = ctx.index.entries.get(ctx.group.name, w.path)?.id;
    const others = ctx.group.local.receiveOnly ? [] : ctx.group.peers.filter((h) => h.name !== ctx.host.name).map((h) => h.name);
    if (id !== undefined) ctx.index.pending.mark(id, others);
    result.fetched++;
    result.fetchedPaths.push(w.path);
  } finally {
    await fetched?.close();
  }
}

/**
 * The peer answered that ours lost a conflict and recorded a vector that covers ours, so its
 * next version replaces ours as merely older, without a backup. When the fetch of the winner
 * fails (the peer's file changed meanwhile, the session broke), ours is backed up now: it was
 * decided the loser, and only this copy would keep it (found by the 30-minute churn soak).
 */
async function keepLoser(ctx: PushContext, path: LogicalPath): Promise<void> {
  try {
    const target = await resolveTarget(ctx.config, ctx.group, path);
    if (!target.stat?.isFile() || typeof target.fs !== "string") return;
    const saved = await backupFile(target.fs, ctx.deps.backup);
    if (saved) ctx.logger.warn({ path, backup: saved }, `lost a conflict: ${path} backed up to ${saved} (the winner could not be fetched yet)`);
  } catch (err) {
    ctx.logger.error({ path, err: messageOf(err) }, `lost a conflict: ${path} could not be backed up: ${messageOf(err)}`);
  }
}

/**
 * Our entry as it is now, when it still holds the state we offered (its vector may have grown
 * by another peer's merge); undefined when another version replaced it meanwhile.
 */
function unchanged(ctx: PushContext, w: Work, now?: ReadonlyMap<number, LocalEntry>): LocalEntry | undefined {
  const current = now ? now.get(w.local.record.id) : readLocal(ctx, w.local.record.id);
  return current && sameVersion(current.entry, w.local.entry) ? current : undefined;
}

function readLocal(ctx: PushContext, id: number): LocalEntry | undefined {
  const record = ctx.index.entries.getById(id);
  return record && ctx.index.fromRecord(record);
}

function problem(ctx: PushContext, result: PeerResult, path: string, message: string): void {
  result.problems.push({ path, message });
  ctx.logger.warn({ path, peer: ctx.host.name }, `${ctx.host.name}: ${path}: ${message}`);
}

/** The session is gone or the peer spoke nonsense: stop this peer (its entries stay pending). */
function isSessionError(ctx: PushContext, err: unknown): boolean {
  if (err instanceof ProtocolError || !ctx.session.usable) return true;
  return err instanceof PeerError && (err.remoteCode === undefined || err.remoteCode === "TIMEOUT" || err.remoteCode === "RECEIVE_ONLY");
}

function kindCode(kind: string): string {
  return kind === "dir" ? "d" : kind === "symlink" ? "L" : kind === "deleted" ? "x" : "f";
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
