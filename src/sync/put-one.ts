// The receiving side of a single put (src/sync/README.md, protocol step 3): a whole file or a
// librsync delta against the version here, streamed into a temp file beside the target (or
// into the partial file of a resumable put, partial.ts), verified and synced, then decided
// again under the receiver's lock from a fresh look at the disk, which may have changed since
// the offer. Only a decision that still says "write it" renames it into place.

import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import type { Logger } from "pino";
import type { Decision } from "../core/reconcile.js";
import { patch } from "../delta/rsync.js";
import { reportReplaced } from "./loss-report.js";
import { messageOf, PeersyncError } from "../errors.js";
import type { Answer, Put } from "../net/messages.js";
import { BodyStopped } from "../net/session.js";
import { applyVersion } from "./apply.js";
import { backupFile, keepable } from "./backup.js";
import { isWrite, labelOf } from "./decisions.js";
import { claim, partialPath, resumeMinBytes } from "./partial.js";
import type { IncomingPush, Outcome } from "./receive.js";
import { refused, refusedFor, UnsureError } from "./refusal.js";
import type { SignatureCache } from "./signature-cache.js";
import { lstatOrUndefined, resolveTarget } from "./target.js";

export interface PutContext extends IncomingPush {
  readonly logger: Logger;
  /** Signatures of large received files, made after they land (signature-cache.ts). */
  readonly signatures?: SignatureCache;
}

/** The answer; `wrote` when the file was renamed into place (it owes the batch's actions). */
export interface PutResult {
  readonly answer: Answer;
  readonly wrote: boolean;
}

export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Thrown at the gate when the fresh decision is no longer "write": the temp file goes. */
class Superseded extends Error {}

export async function receivePut(ctx: PutContext, put: Put, body: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<PutResult> {
  const { group, pusher, receiver, index, deps, logger } = ctx;
  if (put.entry.kind !== "file") return { answer: refused("BAD_PUT", `Cannot put "${put.path}": only files carry content`), wrote: false };
  let release: (() => void) | undefined;
  let basis: fsp.FileHandle | undefined;
  let slot: ReturnType<typeof claim>;
  const verdict: { outcome?: Outcome; decision?: Decision; backupPath?: string | undefined } = {};
  try {
    const target = await resolveTarget(ctx.config, group, put.path, { entries: index.entries });
    if (put.encoding === "delta") basis = await fsp.open(target.fs, READ_FLAGS);
    // A large whole file goes through its partial file, kept if the transfer breaks (partial.ts).
    const offset = put.offset ?? 0;
    if (put.encoding === "whole" && (offset > 0 || put.entry.size >= resumeMinBytes()) && typeof target.fs === "string") slot = claim(partialPath(target.fs, put.entry.hash));
    if (offset > 0 && slot === undefined) throw new PeersyncError("RESUME_MISMATCH", `Cannot resume "${put.path}" at byte ${offset}: no partial file to continue here`);
    const applied = await applyVersion(target, put.entry, deps, {
      backup: false,
      expect: () => index.expected(group.name, put.path),
      // writeTemp is done with each chunk before it asks for the one after the next.
      content: basis ? patch(basis, body, { recycleOutput: true }) : body,
      ...(slot ? { resume: { path: slot.path, offset } } : {}),
      // The content is verified and synced; decide again now, under the lock, from a fresh
      // look at the disk: it may have changed since the offer.
      beforeRename: async () => {
        release = await receiver.mutex.lock();
        if ((await receiver.recheck(group, [put.path])).has(put.path)) throw new UnsureError(put.path);
        const d = receiver.decide(group, put, index.get(group.name, put.path), pusher);
        if (!isWrite(d)) {
          verdict.outcome = await receiver.carryOut(group, put, pusher, d);
          throw new Superseded();
        }
        verdict.decision = d;
        const now = await lstatOrUndefined(target.fs);
        if ("backup" in d && d.backup && keepable(now)) verdict.backupPath = await backupFile(target.local, deps.backup);
      },
    });
    const d = verdict.decision as Extract<Decision, { apply: unknown }>;
    receiver.record(group, put.path, put.entry, applied.observed, d.vector, pusher);
    reportReplaced(index, logger, { group: group.name, path: put.path, incoming: put.entry.kind, decision: d, from: pusher.name, backupPath: verdict.backupPath, keepsNone: deps.backup.generations < 1 });
    logger.info({ path: put.path, peer: pusher.name, encoding: put.encoding, decision: d.kind }, `received ${put.path} (${put.encoding}, ${d.kind})`);
    // The next delta against this file needs its signature: make it now, while nobody waits.
    if (applied.observed && typeof target.fs === "string") void ctx.signatures?.fill(target.fs, put.entry.hash, put.entry.size, applied.observed);
    return { answer: { kind: "applied", vector: d.vector, decision: labelOf(d) }, wrote: true };
  } catch (err) {
    if (err instanceof Superseded && verdict.outcome) return { answer: verdict.outcome.answer, wrote: false };
    // The pusher's file changed while it was being sent and it said so: a race the next check
    // settles, not a transfer to distrust (a wrong hash without this word still warns).
    if (err instanceof BodyStopped) {
      logger.info({ path: put.path, peer: pusher.name, why: err.message }, `${put.path} changed on ${pusher.name} while it was being sent; it is sent again after the next check`);
      return { answer: refusedFor(put.path, err), wrote: false };
    }
    // The operator of this node must see it too (a full disk here names the path and the free space).
    logger.warn({ path: put.path, peer: pusher.name, err: messageOf(err) }, `refused ${put.path} from ${pusher.name}: ${messageOf(err)}`);
    return { answer: refusedFor(put.path, err), wrote: false };
  } finally {
    release?.();
    slot?.release();
    // Not awaited: when the version received replaced the basis, this close is the old file's
    // last reference and frees its blocks (~120 ms for 256 MiB on ext4, measured), which the
    // pusher need not wait for: the new file is already durable and recorded.
    if (basis) void basis.close().catch((err: unknown) => logger.warn({ path: put.path, err: messageOf(err) }, `closing the basis of ${put.path}: ${messageOf(err)}`));
  }
}
