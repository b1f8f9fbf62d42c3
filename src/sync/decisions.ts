// What a reconcile decision (core/reconcile.ts) means on the receiving side: the conflict
// context it is made in, its label in logs and answers, whether it writes the pushed file or
// needs its bytes, and who wrote the version it records.

import type { Group } from "../config/types.js";
import type { ConflictContext } from "../core/conflict.js";
import type { EntryState } from "../core/entry.js";
import type { Decision } from "../core/reconcile.js";
import type { OfferItem } from "../net/messages.js";
import type { Writer } from "./sync-index.js";

/** The shared facts of a group, hosts named as vectors name them (the config's host names). */
export function contextFor(group: Group, forced: { readonly local: boolean; readonly remote: boolean }): ConflictContext {
  const hosts = [...group.peers.filter((h) => h.leftOfLocal), group.local, ...group.peers.filter((h) => !h.leftOfLocal)];
  return {
    hosts: hosts.map((h) => h.name),
    receiveOnly: new Set(hosts.filter((h) => h.receiveOnly).map((h) => h.name)),
    localForced: forced.local,
    remoteForced: forced.remote,
  };
}

export function labelOf(d: Decision): string {
  return "rule" in d ? `${d.kind} (${d.rule})` : d.kind;
}

/** The decision is "write the pushed file". */
export function isWrite(d: Decision): d is Extract<Decision, { apply: unknown }> {
  return (d.kind === "take-remote" || d.kind === "conflict-remote-wins" || d.kind === "drift") && d.apply === "write";
}

export function writerOf(e: EntryState): Writer {
  return { modifiedBy: e.modifiedBy, changedAtMs: e.changedAtMs };
}

/** The decision takes the pushed file's bytes: the answer is "send". */
export function sendsContent(d: Decision, item: OfferItem): boolean {
  return (d.kind === "take-remote" || d.kind === "conflict-remote-wins" || d.kind === "drift") && d.apply === "write" &&
    item.entry.kind === "file" && item.entry.size > 0;
}
