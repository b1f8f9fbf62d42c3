// A file of a put-batch that cannot go the batch's way (temp file beside the target, decision
// at the gate): its parent directory is missing here (deleted on this node while the pusher
// added the file, or a file or symlink stands where the pusher has a directory), or a
// directory stands at its path (which may have gained entries here that no check saw). An
// offer of the file would have looked at that directory's whole subtree, or re-created the
// parents, before answering "send"; a put-batch file comes without an offer when the pusher
// sent it straight away (push.ts, DIRECT_FILE), or the disk changed after its offer. So this
// does what the offer and a single put would have done, in one step: re-check (the subtree of
// a directory in the way too), decide, and only if the decision is to write the file,
// re-create its parents, write it (with its own fsyncs) and record it. Call under the
// receiver's lock.

import type { Decision } from "../core/reconcile.js";
import { UnsafePathError } from "../fs/safe-path.js";
import type { Answer, OfferItem } from "../net/messages.js";
import { applyVersion } from "./apply.js";
import { isWrite } from "./decisions.js";
import type { IncomingPush } from "./receive.js";
import { UnsureError } from "./refusal.js";
import { resolveTarget } from "./target.js";

/** resolveTarget failed on a parent, which a decision to write the file would re-create. */
export function needsParents(err: unknown): boolean {
  return err instanceof UnsafePathError && (err.reason === "missing-parent" || err.reason === "not-directory" || err.reason === "symlink-parent");
}

/** The answer when the decision is not to write; else what was written, and the backup of what it replaced. */
export type AloneResult = { readonly answer: Answer } | { readonly decision: Extract<Decision, { apply: unknown }>; readonly backupPath: string | undefined };

export async function putAlone(ctx: IncomingPush, item: OfferItem, content: Buffer): Promise<AloneResult> {
  const { receiver, group, pusher, index } = ctx;
  if ((await receiver.recheck(group, [item.path])).has(item.path)) throw new UnsureError(item.path);
  // A directory in the way (recorded, or just found by that re-check): what lies below it
  // decides whether it stays (keepsDirectory), so its whole subtree is looked at first.
  if (index.get(group.name, item.path)?.entry.kind === "dir") await receiver.recheck(group, [item.path], { recursive: true });
  const d = receiver.decide(group, item, index.get(group.name, item.path), pusher);
  if (!isWrite(d)) return { answer: (await receiver.carryOut(group, item, pusher, d)).answer };
  await receiver.reviveParents(group, item.path, pusher);
  const target = await resolveTarget(ctx.config, group, item.path, { entries: index.entries });
  const applied = await applyVersion(target, item.entry, ctx.deps, {
    backup: "backup" in d && d.backup === true, expect: () => index.expected(group.name, item.path), content,
  });
  receiver.record(group, item.path, item.entry, applied.observed, d.vector, pusher);
  return { decision: d, backupPath: applied.backupPath };
}
