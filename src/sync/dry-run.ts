// How a receiver answers a dry run (sync -d): on what a re-check would record, recording
// nothing, and with the answer a real run would give for each decision. An edit made here and
// not checked yet is a version of its own, in conflict with the pusher's, in a dry run too.

import type { Config, Group } from "../config/types.js";
import type { Decision } from "../core/reconcile.js";
import type { LogicalPath } from "../core/path.js";
import { runCheck } from "../index/check-run.js";
import type { EntryRecord } from "../index/entries.js";
import type { DryRecord } from "../index/write-batch.js";
import type { Answer, OfferItem } from "../net/messages.js";
import { labelOf } from "./decisions.js";
import { refused } from "./refusal.js";
import { entryOfRecord, type LocalEntry, type SyncIndex } from "./sync-index.js";

/** `locals`: the paths whose disk differs from their record, as a re-check would record them; `unsure`: those it could not read. */
export interface DryPreview {
  readonly locals: Map<string, LocalEntry>;
  readonly unsure: Set<string>;
}

/** What a re-check of `paths` would record, recording nothing. */
export async function previewRecheck(ctx: { readonly config: Config; readonly index: SyncIndex; readonly nowMs: number }, group: Group, paths: readonly LogicalPath[]): Promise<DryPreview> {
  const { config, index, nowMs } = ctx;
  const locals = new Map<string, LocalEntry>();
  const summary = await runCheck(index.db, config, {
    paths: paths.map((p) => config.toLocalPath(p)), groups: [group.name], statWorker: false, dryRun: true,
    onDryRecord: (r) => {
      const previewed = previewOf(index, group.name, r, config.localName, nowMs);
      if (previewed) locals.set(previewed.record.path, previewed);
    },
  });
  return { locals, unsure: new Set(summary.problems.map((p) => p.path)) };
}

/** What a real run would answer for decision `d` on `local`, in a dry run. */
export function dryAnswer(item: OfferItem, d: Decision, local: LocalEntry | undefined): Answer {
  switch (d.kind) {
    case "in-sync": return { kind: "in-sync", vector: d.vector };
    case "conflict-unresolved": return { kind: "conflict", entry: item.entry };
    case "keep-local":
    case "keep-dir":
    case "conflict-local-wins":
      return local ? { kind: "theirs", entry: local.entry, vector: d.vector, decision: labelOf(d) } : refused("KEPT", "kept");
    default: return { kind: "applied", vector: d.vector, decision: labelOf(d) };
  }
}

/** The entry a check would record (dry run), as the index would then read it: a change made here. */
function previewOf(index: SyncIndex, group: string, r: DryRecord, localNode: string, nowMs: number): LocalEntry | undefined {
  if (r.type === "tombstone") {
    const record = index.entries.getById(r.id);
    if (!record) return undefined;
    const forced = index.get(group, record.path)?.forced ?? false;
    const gone = { ...record, vector: r.vector, deletedNs: r.at };
    return { record: gone, entry: entryOfRecord(gone, localNode, nowMs), forced };
  }
  const { input } = r;
  const known = index.get(group, input.path);
  const record: EntryRecord = {
    id: known?.record.id ?? -1, group, path: input.path, ...input.state,
    hash: input.state.kind === "file" ? input.state.hash : undefined,
    target: input.state.kind === "symlink" ? input.state.target : undefined,
    vector: input.vector, deletedNs: undefined, ctimeNs: input.ctimeNs, ino: input.ino, dev: input.dev,
  };
  return { record, entry: entryOfRecord(record, localNode, nowMs), forced: known?.forced ?? false };
}
