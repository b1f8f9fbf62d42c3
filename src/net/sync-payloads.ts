// The sync messages' nested payloads on the wire: an offered item, the items of a put-batch
// (files only, distinct paths, their sizes bounded together) and a peer's answer, read from JSON
// and (for answers) written back. Offer, offer-reply, put, put-reply, put-batch and its reply
// all carry them, so they live apart from the registry of messages (messages.ts), which only
// says where each payload goes. Pure: no I/O.

import { ProtocolError } from "../errors.js";
import { entryFromWire, entryToWire, type EntryState } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { vectorFromWire, vectorToWire, type VersionVector } from "../core/vector.js";
import { bool, list, name, oneOf, path, record, text, type Fields } from "./fields.js";

/** One offered entry; `forced`: the pusher's version was marked with `peersync force`. */
export interface OfferItem { readonly path: LogicalPath; readonly entry: EntryState; readonly forced: boolean }
/** The peer's answer for one path (see src/sync/README.md for each kind). */
export type Answer =
  | { readonly kind: "in-sync"; readonly vector: VersionVector }
  | { readonly kind: "send"; readonly mode: "whole" | "delta"; readonly decision: string }
  | { readonly kind: "applied"; readonly vector: VersionVector; readonly decision: string }
  | { readonly kind: "theirs"; readonly entry: EntryState; readonly vector: VersionVector; readonly decision: string }
  | { readonly kind: "conflict"; readonly entry: EntryState }
  | { readonly kind: "refused"; readonly code: string; readonly message: string };

/** Most files one put-batch carries, and most bytes of content (the sum of their sizes). */
export const MAX_PUT_BATCH_ITEMS = 256;
export const MAX_PUT_BATCH_BYTES = 4 << 20;

export function answer(raw: unknown): Answer {
  const o = record(raw, "answer");
  const kind = oneOf(o, "kind", ["in-sync", "send", "applied", "theirs", "conflict", "refused"] as const);
  const decision = (): string => text(o, "decision", 100);
  switch (kind) {
    case "in-sync": return { kind, vector: vectorFromWire(o["vector"]) };
    case "send": return { kind, mode: oneOf(o, "mode", ["whole", "delta"] as const), decision: decision() };
    case "applied": return { kind, vector: vectorFromWire(o["vector"]), decision: decision() };
    case "theirs": return { kind, entry: entryFromWire(o["entry"]), vector: vectorFromWire(o["vector"]), decision: decision() };
    case "conflict": return { kind, entry: entryFromWire(o["entry"]) };
    case "refused": return { kind, code: name(o, "code"), message: text(o, "message", 4000) };
  }
}

export function answerToJson(a: Answer): object {
  if (a.kind === "theirs") return { ...a, entry: entryToWire(a.entry), vector: vectorToWire(a.vector) };
  if (a.kind === "conflict") return { ...a, entry: entryToWire(a.entry) };
  if (a.kind === "in-sync" || a.kind === "applied") return { ...a, vector: vectorToWire(a.vector) };
  return a;
}

export function offerItem(raw: unknown, at: string): OfferItem {
  const o = record(raw, at);
  return { path: path(o, "path"), entry: entryFromWire(o["entry"]), forced: bool(o, "forced") };
}

/** put-batch items: files only, distinct paths, content sizes summing to at most MAX_PUT_BATCH_BYTES. */
export function putBatchItems(o: Fields): OfferItem[] {
  const items = list(o, "items", MAX_PUT_BATCH_ITEMS, offerItem);
  const seen = new Set<string>();
  let bytes = 0;
  for (const item of items) {
    if (item.entry.kind !== "file") throw new ProtocolError(`Cannot decode message: put-batch item "${item.path}" is not a file`);
    if (seen.has(item.path)) throw new ProtocolError(`Cannot decode message: put-batch names "${item.path}" twice`);
    seen.add(item.path);
    bytes += item.entry.size;
    if (bytes > MAX_PUT_BATCH_BYTES) throw new ProtocolError(`Cannot decode message: put-batch content exceeds ${MAX_PUT_BATCH_BYTES} bytes`);
  }
  return items;
}

export function answerList(o: Fields, field: string, max: number): { path: LogicalPath; answer: Answer }[] {
  return list(o, field, max, (v, at) => {
    const a = record(v, at);
    return { path: path(a, "path"), answer: answer(a["answer"]) };
  });
}
