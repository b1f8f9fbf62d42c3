// The commit of a put-batch (put-batch.ts): every temp file of the batch is written and its
// data durable; under the receiver's lock, one re-check of the paths, a fresh decision per
// path, the renames (each file's Slot opens its gate), one fsync per touched directory and one
// index transaction, before the pusher hears anything. A file is recorded only once the fsync
// of its directory made its rename durable.

import { dirname } from "node:path";
import type { Decision } from "../core/reconcile.js";
import type { BatchDurability } from "../fs/sync-fs.js";
import type { Answer, OfferItem } from "../net/messages.js";
import type { Applied } from "./apply.js";
import { backupFile, keepable } from "./backup.js";
import { isWrite, labelOf, writerOf } from "./decisions.js";
import type { PutBatchContext, PutBatchResult } from "./put-batch.js";
import { putAlone } from "./put-alone.js";
import { refusedFor, UnsureError } from "./refusal.js";
import { stalePaths } from "./recheck.js";
import type { Expected } from "./replace.js";
import { lstatOrUndefined, type Target } from "./target.js";

export type BatchRun = PutBatchContext & {
  readonly checked: Map<string, Promise<void>>;
  readonly durable: BatchDurability;
  /** Old versions the renames displaced, removed once the batch is recorded (replace.ts discardDisplaced). */
  readonly displaced: (string | Buffer)[];
};

/** One file of the batch on its way through temp write → gate → rename. */
export class Slot {
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

/** Under the lock: re-check, decide, rename, fsync the directories, record; then answer. */
export async function commit(ctx: BatchRun, slots: readonly Slot[], dataSyncError: unknown): Promise<PutBatchResult> {
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
        if ("backup" in d && d.backup && keepable(await lstatOrUndefined(slot.target!.fs))) {
          slot.backupPath = await backupFile(slot.target!.local, ctx.deps.backup);
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
