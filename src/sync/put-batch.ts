// The receiving side of a put-batch (src/sync/README.md, protocol step 3b): many small whole
// files in one request, committed as one group. Each file's bytes go to a temp file beside its
// target (hash verified, attributes set) as soon as they arrived, outside the lock; once all
// are written, ONE syncfs makes their data durable (fs/sync-fs.ts; one fsync per file where
// syncfs cannot report errors); then, under the receiver's lock, one re-check of all the
// paths, a fresh decision per path, the renames, ONE fsync per touched directory, and one
// index transaction for the batch, before the pusher hears anything. A path whose decision is
// no longer "write" loses its temp file and is answered as the new decision says, exactly as
// a single put would.

import { dirname } from "node:path";
import type { Decision } from "../core/reconcile.js";
import { messageOf, PeersyncError } from "../errors.js";
import { batchDurability, type BatchDurability } from "../fs/sync-fs.js";
import { nativeTempWriter, type TempWriter } from "../fs/temp-writer.js";
import type { Answer, OfferItem } from "../net/messages.js";
import { applyVersion, type Applied } from "./apply.js";
import { backupFile, keepable } from "./backup.js";
import { isWrite, labelOf, writerOf } from "./decisions.js";
import type { IncomingPush } from "./receive.js";
import { refusedFor, UnsureError } from "./refusal.js";
import { stalePaths } from "./recheck.js";
import { discardDisplaced, type Expected } from "./replace.js";
import { needsParents, putAlone } from "./put-alone.js";
import { lstatOrUndefined, resolveTarget, type Target } from "./target.js";

export interface PutBatchContext extends IncomingPush {
  /** Aborted when the request times out or the session ends: every temp file goes. */
  readonly signal: AbortSignal;
  /**
   * Temp files in progress at once. Each holds a descriptor while it is fsynced on its own
   * (no batch syncfs): 16 then. With the batch syncfs none is held, and all of a batch go at
   * once, so the thread-pool writer (fs/temp-writer.ts) gets them in few jobs (at 16, each job
   * held one or two files and saved nothing). @default 256 or 16
   */
  readonly concurrency?: number;
  /** How the batch is made durable (tests wrap it to check the order). @default batchDurability() */
  readonly durability?: () => BatchDurability;
  /** Who writes the small temp files (null: the main thread). @default nativeTempWriter() */
  readonly tempWriter?: TempWriter | null;
}

export interface PutBatchResult {
  readonly answers: { readonly path: OfferItem["path"]; readonly answer: Answer }[];
  /** Paths written to disk (they owe actions). */
  readonly changed: string[];
  /** Log lines worth writing: drifts and backups. */
  readonly notes: { readonly path: string; readonly decision: Decision; readonly backupPath: string | undefined }[];
}

/** The body did not hold exactly the announced bytes: nothing of the batch was written. */
export class BadBodyError extends PeersyncError {
  constructor(message: string) {
    super("BAD_BODY", `Cannot take the put-batch: ${message}`, { hint: "the pusher's files changed while it read them; the next sync retries" });
  }
}

type BatchRun = PutBatchContext & {
  readonly checked: Map<string, Promise<void>>;
  readonly durable: BatchDurability;
  /** Old versions the renames displaced, removed once the batch is recorded (replace.ts discardDisplaced). */
  readonly displaced: (string | Buffer)[];
};

/** One file of the batch on its way through temp write → gate → rename. */
class Slot {
  target: Target | undefined;
  /** Set once the temp file is complete and synced (the file waits at the gate). */
  atGate = false;
  decision: Extract<Decision, { apply: unknown }> | undefined;
  /** What the index says the target holds, read in bulk by the commit (replace.ts checks it). */
  expected: Expected | undefined;
  backupPath: string | undefined;
  /** The answer when the file was not renamed (new decision, or a failure). */
  answer: Answer | undefined;
  /**
   * Its content, when it is decided and written on its own under the lock (put-alone.ts): a
   * parent directory is missing here, or the commit's re-check found a directory at its path.
   */
  alone: Buffer | undefined;
  content: Buffer | undefined;
  result: Promise<Applied> | undefined;
  readonly reached: Promise<void>;
  readonly gate: Promise<boolean>;
  #reached!: () => void;
  #open!: (go: boolean) => void;
  constructor(readonly item: OfferItem) {
    this.reached = new Promise((r) => (this.#reached = r));
    this.gate = new Promise((r) => (this.#open = r));
  }
  arrive(): void {
    this.#reached();
  }
  open(go: boolean): void {
    this.#open(go);
  }
}

/** Thrown at the gate when the fresh decision is no longer "write": the temp file goes. */
class Superseded extends Error {}

/** Thrown at the gate when the request ended (session closed, timed out) before the commit: the temp file goes. */
export class BatchAbortedError extends PeersyncError {
  constructor(reason: unknown) {
    super("ABORTED", `the put-batch request ended before its files were committed (${reason === undefined ? "aborted" : messageOf(reason)}); nothing was written`, {
      hint: "the pusher sends these files again at its next sync",
    });
  }
}

export async function receivePutBatch(options: PutBatchContext, items: readonly OfferItem[], body: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<PutBatchResult> {
  // Parent directories checked once per batch (most files of a batch share a few).
  const ctx: BatchRun = { ...options, checked: new Map<string, Promise<void>>(), durable: (options.durability ?? batchDurability)(), displaced: [] };
  const slots = items.map((item) => new Slot(item));
  const onAbort = (): void => slots.forEach((s) => s.open(false));
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    try {
      await writeTemps(ctx, slots, body);
    } catch (err) {
      onAbort();
      await settle(slots);
      throw err;
    }
    await Promise.all(slots.map((s) => s.reached));
    // Every temp file is written: their data is made durable before any of them is renamed
    // (outside the lock: other batches go on meanwhile). A failure refuses every file.
    const dataSynced = await ctx.durable.syncData().then(() => undefined, (err: unknown) => err ?? new Error("syncfs failed"));
    return await commit(ctx, slots, dataSynced);
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    ctx.durable.close();
    // After the answers (~14 ms of a 100-file batch's commit in bench/sync (c)).
    discardDisplaced(ctx.displaced);
  }
}

/** Cuts the body into the items' contents and starts each file's temp write (bounded). */
async function writeTemps(ctx: BatchRun, slots: readonly Slot[], body: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
  const limit = ctx.concurrency ?? (ctx.durable.defersFileSync ? 256 : 16);
  let writing = 0;
  let wake: (() => void) | undefined;
  const start = (slot: Slot, content: Buffer): void => {
    writing++;
    slot.result = writeOne(ctx, slot, content);
    void slot.result.catch(() => undefined).finally(() => slot.arrive());
    void slot.reached.then(() => {
      writing--;
      wake?.();
    });
  };
  let index = 0;
  let parts: Buffer[] = [];
  let have = 0;
  const sizeOf = (i: number): number => (slots[i]!.item.entry.kind === "file" ? (slots[i]!.item.entry as { size: number }).size : 0);
  const next = async (): Promise<void> => {
    // Zero-byte files need no bytes: start them as soon as they are next.
    while (index < slots.length && have >= sizeOf(index)) {
      const size = sizeOf(index);
      const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
      start(slots[index]!, Buffer.from(all.subarray(0, size)));
      parts = have > size ? [all.subarray(size)] : [];
      have -= size;
      index++;
      while (writing >= limit) await new Promise<void>((r) => (wake = r));
    }
  };
  await next();
  for await (const chunk of body) {
    ctx.signal.throwIfAborted();
    if (index >= slots.length) throw new BadBodyError(`more than the ${total(slots)} bytes announced`);
    parts.push(chunk);
    have += chunk.length;
    await next();
  }
  if (index < slots.length || have > 0) throw new BadBodyError(`${index < slots.length ? "fewer" : "more"} than the ${total(slots)} bytes announced`);
}

function total(slots: readonly Slot[]): number {
  return slots.reduce((n, s) => n + (s.item.entry.kind === "file" ? s.item.entry.size : 0), 0);
}

/** Temp file written and synced, then waits at the gate; renames only when the gate says go. */
async function writeOne(ctx: BatchRun, slot: Slot, content: Buffer): Promise<Applied> {
  slot.content = content;
  let target: Target;
  try {
    // No lstat of the target: what stands there is for the commit's re-check to say (a
    // directory sends the file down put-alone.ts; anything else the swap looks at last).
    target = await resolveTarget(ctx.config, ctx.group, slot.item.path, { checked: ctx.checked, stat: false, entries: ctx.index.entries });
  } catch (err) {
    if (needsParents(err)) slot.alone = content;
    throw err;
  }
  slot.target = target;
  // atomic-write makes the temp file beside target.local; its directory is opened before the
  // write, so syncData's syncfs reports an error writing the temp file back (sync-fs.ts).
  ctx.durable.watch(dirname(target.local));
  return applyVersion(target, slot.item.entry, ctx.deps, {
    backup: false,
    expect: () => slot.expected ?? ctx.index.expected(ctx.group.name, slot.item.path),
    content,
    deferDirSync: true,
    deferFileSync: ctx.durable.defersFileSync,
    tempWriter: ctx.tempWriter === null ? undefined : ctx.tempWriter ?? nativeTempWriter(),
    displaced: (temp) => ctx.displaced.push(temp),
    beforeRename: async () => {
      slot.atGate = true;
      slot.arrive();
      if (!(await slot.gate)) throw ctx.signal.aborted ? new BatchAbortedError(ctx.signal.reason) : new Superseded();
    },
  });
}

/** Waits for every started file to finish (or give up), so no temp file outlives the request. */
async function settle(slots: readonly Slot[]): Promise<void> {
  await Promise.allSettled(slots.map((s) => s.result ?? Promise.resolve()));
}

/** Under the lock: re-check, decide, rename, fsync the directories, record; then answer. */
async function commit(ctx: BatchRun, slots: readonly Slot[], dataSyncError: unknown): Promise<PutBatchResult> {
  const { receiver, group, pusher } = ctx;
  const release = await receiver.mutex.lock();
  try {
    if (dataSyncError !== undefined) {
      for (const slot of slots.filter((s) => s.atGate)) {
        slot.answer = refusedFor(slot.item.path, dataSyncError);
        slot.open(false);
      }
    }
    const ready = slots.filter((s) => s.atGate && s.answer === undefined);
    const stale = await stalePaths(ctx.config, ctx.index.entries, group, ready.map((s) => s.item.path));
    const unsure = stale.length > 0 ? await receiver.recheck(group, stale) : new Set<string>();
    // The entries the decisions are made on, read in bulk once the re-check recorded what it
    // found. Reading them up front is exact: a batch's paths are distinct files, and carrying
    // out one path's decision below writes that path's entry only.
    const locals = ctx.index.localsByPath(group.name, ready.map((s) => s.item.path));
    // Likewise what each target holds by the index, which the renames below check against:
    // only the transaction after them writes these paths' rows.
    const expected = ctx.index.expectedByPath(group.name, ready.map((s) => s.item.path));
    for (const slot of ready) slot.expected = expected.get(slot.item.path);
    for (const slot of ready) {
      try {
        if (unsure.has(slot.item.path)) throw new UnsureError(slot.item.path);
        if (locals.get(slot.item.path)?.entry.kind === "dir") {
          slot.alone = slot.content;
          slot.open(false);
          continue;
        }
        const d = receiver.decide(group, slot.item, locals.get(slot.item.path), pusher);
        if (!isWrite(d)) {
          slot.answer = (await receiver.carryOut(group, slot.item, pusher, d)).answer;
          slot.open(false);
          continue;
        }
        slot.decision = d;
        if ("backup" in d && d.backup && typeof slot.target!.fs === "string" && keepable(await lstatOrUndefined(slot.target!.fs))) {
          slot.backupPath = await backupFile(slot.target!.fs, ctx.deps.backup);
        }
        slot.open(true);
      } catch (err) {
        slot.answer = refusedFor(slot.item.path, err);
        slot.open(false);
      }
    }
    const renamed: { slot: Slot; applied: Applied }[] = [];
    for (const slot of slots) {
      if (slot.alone !== undefined) {
        await slot.result?.catch(() => undefined); // its temp file, if any, is gone first
        continue;
      }
      try {
        const applied = await slot.result!;
        renamed.push({ slot, applied });
      } catch (err) {
        slot.answer ??= refusedFor(slot.item.path, err);
      }
    }
    // One fsync per directory makes every rename in it durable; only then is anything recorded.
    const dirs = new Map<string, Promise<void>>();
    for (const { slot } of renamed) {
      const dir = dirname(slot.target!.local);
      if (!dirs.has(dir)) dirs.set(dir, ctx.durable.syncDirectory(dir));
    }
    const synced = new Map<string, unknown>();
    for (const [dir, p] of dirs) await p.then(() => synced.set(dir, undefined), (err: unknown) => synced.set(dir, err ?? new Error("fsync failed")));
    const durable = renamed.filter(({ slot, applied }) => {
      const err = synced.get(dirname(slot.target!.local));
      if (err !== undefined) slot.answer = refusedFor(slot.item.path, err);
      return err === undefined && applied !== undefined;
    });
    ctx.index.entries.transaction(() => {
      const live = durable.flatMap(({ slot, applied: { observed } }) =>
        observed === undefined ? [] : [{ path: slot.item.path, observed, vector: slot.decision!.vector, writer: writerOf(slot.item.entry) }]);
      ctx.index.recordReceived(group.name, live, pusher.name);
      // No observation at all (apply.ts observe: a file removed since it went in is recorded as
      // placed, for the next check to find gone): recorded as a deletion, as a single put does.
      for (const { slot, applied } of durable.filter((d) => d.applied.observed === undefined)) {
        receiver.record(group, slot.item.path, slot.item.entry, undefined, slot.decision!.vector, pusher);
      }
    });
    // The files that go alone, now that the batch's rows are written.
    for (const slot of slots) {
      if (slot.alone === undefined || slot.answer !== undefined) continue;
      try {
        const done = await putAlone(ctx, slot.item, slot.alone);
        if ("answer" in done) slot.answer = done.answer;
        else [slot.decision, slot.backupPath] = [done.decision, done.backupPath];
      } catch (err) {
        slot.answer = refusedFor(slot.item.path, err);
      }
    }
    const result: PutBatchResult = { answers: [], changed: [], notes: [] };
    for (const slot of slots) {
      const d = slot.decision;
      if (slot.answer === undefined && d !== undefined) {
        result.answers.push({ path: slot.item.path, answer: { kind: "applied", vector: d.vector, decision: labelOf(d) } });
        result.changed.push(slot.item.path);
        result.notes.push({ path: slot.item.path, decision: d, backupPath: slot.backupPath });
      } else {
        result.answers.push({ path: slot.item.path, answer: slot.answer ?? refusedFor(slot.item.path, new Error("not written")) });
      }
    }
    return result;
  } finally {
    release();
  }
}
