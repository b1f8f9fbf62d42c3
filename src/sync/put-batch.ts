// The receiving side of a put-batch (src/sync/README.md, protocol step 3b): many small whole
// files in one request, committed as one group. Each file's bytes go to a temp file beside its
// target (hash verified, attributes set) as soon as they arrived, outside the lock; once all
// are written, ONE syncfs makes their data durable (fs/sync-fs.ts; one fsync per file where
// syncfs cannot report errors); then, under the receiver's lock, one re-check of all the
// paths, a fresh decision per path, the renames, ONE fsync per touched directory, and one
// index transaction for the batch, before the pusher hears anything (put-batch-commit.ts). A path whose decision is
// no longer "write" loses its temp file and is answered as the new decision says, exactly as
// a single put would.

import { dirname } from "node:path";
import { messageOf, PeersyncError } from "../errors.js";
import { batchDurability, type BatchDurability } from "../fs/sync-fs.js";
import { nativeTempWriter, type TempWriter } from "../fs/temp-writer.js";
import type { Decision } from "../core/reconcile.js";
import type { Answer, OfferItem } from "../net/messages.js";
import { applyVersion, type Applied } from "./apply.js";
import { commit, Slot, type BatchRun } from "./put-batch-commit.js";
import type { IncomingPush } from "./receive.js";
import { discardDisplaced } from "./replace.js";
import { needsParents } from "./put-alone.js";
import { resolveTarget, type Target } from "./target.js";

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
  // atomic-write makes the temp file beside target.fs; its directory is opened before the
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

