// Content between the pusher and a peer, from the pusher's side: a put (whole bytes, or a
// librsync delta against the peer's signature) and a get (the peer's version fetched back).
// Per-path failures come back as refused answers or thrown errors the caller turns into
// problems; a session failure throws PeerError.

import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from "node:fs";
import * as fsp from "node:fs/promises";
import type { Group } from "../config/types.js";
import type { EntryState } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { changedWhileRead, staleSince, type OpenFileStat, type ReadStat, type SendStaleness } from "../core/send-guard.js";
import { deltaJobs, parallelDelta } from "../delta/parallel-delta.js";
import { PeersyncError, ProtocolError } from "../errors.js";
import type { Config } from "../config/types.js";
import type { Answer, Message } from "../net/messages.js";
import { BodyStopped, type Session } from "../net/session.js";
import { contentKey, type ContentSource } from "./content-cache.js";
import type { PrefetchedDelta } from "./delta-prefetch.js";
import { readChunks, readChunksReusing } from "./read-chunks.js";
import { coalesce } from "../fs/content-chunks.js";
import { askOffset, resumeMinBytes } from "./partial.js";
import { resolveTarget } from "./target.js";

export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Largest signature accepted whatever the basis size (a hostile peer cannot make us buffer more). */
export const MAX_SIGNATURE_BYTES = 64 << 20;

/**
 * Sends our version of `path` (a file) to the peer; resolves with its answer. A delta begun
 * during the check (`prefetched`, delta-prefetch.ts) is sent when it still describes the file.
 */
export async function putFile(
  session: Session, config: Config, group: Group, item: { path: LogicalPath; entry: EntryState; forced: boolean }, mode: "whole" | "delta",
  prefetched?: PrefetchedDelta,
): Promise<Answer> {
  const target = await resolveTarget(config, group, item.path);
  const file = await fsp.open(target.fs, READ_FLAGS).catch((err: unknown) => rethrowReplaced(item.path, err));
  try {
    const opened = await file.stat({ bigint: true });
    refuseIfStale(item, opened);
    // Watches the file while its bytes go: a write meanwhile stops the body (ReadGuard).
    const guard = new ReadGuard(item.path, file, readStatOf(opened));
    let reply: Message;
    if (mode === "whole") {
      // A large file the peer began to receive before (connection dropped) continues where it stopped (partial.ts).
      const { entry } = item;
      const offset = entry.kind === "file" && entry.size >= resumeMinBytes() ? await askOffset(session, item.path, entry.hash, entry.size) : 0;
      reply = await session.request({ type: "put", ...item, encoding: "whole", ...(offset > 0 ? { offset } : {}) }, { body: guard.watch(readChunks(file, offset)) });
    } else {
      const made = await prefetched?.claim(file, item.entry);
      if (prefetched && made) return answerOf(await session.request({ type: "put", ...item, encoding: "delta", basisHash: prefetched.basisHash }, { body: made }));
      const sig = await fetchSignature(session, item.path);
      const size = item.entry.kind === "file" ? item.entry.size : Number(opened.size);
      // A big file's delta is made by several librsync jobs at once (parallel-delta.ts).
      const body = parallelDelta(sig.bytes, size, { parts: deltaJobs(), read: (start, end) => readChunksReusing(file, start, end) });
      reply = await session.request({ type: "put", ...item, encoding: "delta", basisHash: sig.hash }, { body: guard.watch(body) });
    }
    const answer = answerOf(reply);
    // Stopped: whatever the peer made of a cut body (refused, from a 1.1 peer most likely a
    // hash mismatch) is about bytes that were never a version of ours. A peer that still
    // took them (the write did not touch what it got) holds the offered version: its answer stands.
    if (guard.stopped && answer.kind === "refused") throw new ChangedSinceCheckError(item.path, guard.stopped, "send");
    return answer;
  } finally {
    await file.close();
  }
}

/**
 * Passes a put's body through and, once the source has yielded its last byte, looks at the open
 * file again (core/send-guard.ts changedWhileRead): written meanwhile, the body is stopped
 * (BodyStopped) instead of ended, so the peer discards it without taking it for a corrupted
 * transfer, and the version goes after the next check records it.
 */
class ReadGuard {
  stopped: SendStaleness | undefined;
  constructor(readonly path: LogicalPath, readonly file: fsp.FileHandle, readonly opened: ReadStat) {}

  async *watch(body: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    yield* body;
    const how = changedWhileRead(this.opened, readStatOf(await this.file.stat({ bigint: true })));
    if (how === undefined) return;
    this.stopped = how;
    throw new BodyStopped(`"${this.path}" changed while it was being sent (${how}); it is sent again after the next check`);
  }
}

function readStatOf(st: BigIntStats): ReadStat {
  return { isFile: st.isFile(), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino };
}

/** One file of a put-batch: the peer's answer, or why it did not go (left pending). */
export type BatchOutcome = { readonly answer: Answer; readonly error?: undefined } | { readonly answer?: undefined; readonly error: unknown };

/**
 * Sends small files whole in one put-batch (their bytes concatenated as the body); resolves
 * with one outcome per item, in order. A file whose size is no longer the checked one is left
 * out (it changed since the check: the next run's check offers its new version).
 */
export async function putBatch(session: Session, config: Config, group: Group, items: readonly { path: LogicalPath; entry: EntryState; forced: boolean }[], cache?: ContentSource): Promise<BatchOutcome[]> {
  const checked = new Map<string, Promise<void>>(); // parents shared by the batch's files, checked once
  const contents = await mapBounded(items, 8, async (item): Promise<Buffer | Error> => {
    const size = item.entry.kind === "file" ? item.entry.size : 0;
    const read = (): Promise<Buffer> => readExactly(config, group, item.path, item.entry, size, checked);
    try {
      // The check's read of this version, or one read shared by the run's peers (content-cache.ts).
      return await (cache && item.entry.kind === "file" ? cache.get(contentKey(group.name, item.path, item.entry.hash, size), size, read) : read());
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  });
  const sent = items.flatMap((item, i) => (Buffer.isBuffer(contents[i]) ? [{ item, bytes: contents[i] as Buffer }] : []));
  // Placeholders for the files sent; each is replaced by the peer's answer below.
  const outcomes: BatchOutcome[] = contents.map((c) => ({ error: c }));
  if (sent.length === 0) return outcomes;
  // The files' bytes in ~256 KiB data frames rather than one frame per file.
  const reply = await session.request({ type: "put-batch", items: sent.map((s) => s.item) }, { body: coalesce(sent.map((s) => s.bytes), 256 * 1024) });
  if (reply.type !== "put-batch-reply" || reply.answers.length !== sent.length) {
    throw new ProtocolError(`Cannot read put-batch reply: expected ${sent.length} answers, got ${reply.type}`);
  }
  let k = 0;
  for (const [i, c] of contents.entries()) {
    if (!Buffer.isBuffer(c)) continue;
    const got = reply.answers[k++]!;
    if (got.path !== items[i]!.path) throw new ProtocolError(`Cannot read put-batch reply: answer ${k - 1} is for another path`);
    outcomes[i] = { answer: got.answer };
  }
  return outcomes;
}

/**
 * Exactly `size` bytes of the file (never through a symlink), or a CHANGED error. The reads are
 * synchronous: a file of a put-batch is at most SMALL_FILE bytes in the page cache, and three
 * syscalls cost far less than three trips through the thread pool.
 */
async function readExactly(config: Config, group: Group, path: LogicalPath, entry: EntryState, size: number, checked: Map<string, Promise<void>>): Promise<Buffer> {
  const target = await resolveTarget(config, group, path, { checked, stat: false });
  let fd: number;
  try {
    fd = openSync(target.fs, READ_FLAGS);
  } catch (err) {
    rethrowReplaced(path, err);
  }
  try {
    const opened = fstatSync(fd, { bigint: true });
    refuseIfStale({ path, entry }, opened);
    const buffer = Buffer.allocUnsafe(size + 1);
    let have = 0;
    for (;;) {
      const n = readSync(fd, buffer, have, buffer.length - have, null);
      if (n === 0) break;
      have += n;
      if (have > size) break;
    }
    if (have !== size) throw new ChangedSinceCheckError(path, have > size ? "grew" : "shrank", "send");
    // Written while read (same size): these bytes may mix two versions (core/send-guard.ts).
    const how = changedWhileRead(readStatOf(opened), readStatOf(fstatSync(fd, { bigint: true })));
    if (how !== undefined) throw new ChangedSinceCheckError(path, how, "send");
    return buffer.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

async function mapBounded<T, R>(items: readonly T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function answerOf(reply: Message): Answer {
  if (reply.type !== "put-reply") throw new ProtocolError(`Cannot read put reply: got ${reply.type}`);
  return reply.answer;
}

/** The peer's signature of its file, bounded by what its size can need. */
export async function fetchSignature(session: Session, path: LogicalPath): Promise<{ hash: string; bytes: Buffer }> {
  const chunks: Buffer[] = [];
  let hash: string | undefined;
  let limit = 0;
  let size = 0;
  for await (const msg of session.requestStream({ type: "signature", path })) {
    if (msg.type === "signature-reply" && hash === undefined) {
      hash = msg.hash;
      // A signature holds at most one 4 + 32 byte entry per 256-byte block, plus a header.
      limit = Math.min(MAX_SIGNATURE_BYTES, 64 * 1024 + Math.ceil(msg.size / 256) * 36);
    } else if (msg.type === "data" && hash !== undefined) {
      size += msg.bytes.length;
      if (size > limit) throw new ProtocolError(`Cannot accept the signature of "${path}": more than ${limit} bytes`);
      chunks.push(msg.bytes);
    } else {
      throw new ProtocolError(`Cannot read signature of "${path}": unexpected ${msg.type}`);
    }
  }
  if (hash === undefined) throw new ProtocolError(`Cannot read signature of "${path}": the peer sent none`);
  return { hash, bytes: Buffer.concat(chunks) };
}

/** Opens a get: the peer's current entry, and its bytes (consume them, or call close()). */
export async function getFile(session: Session, path: LogicalPath): Promise<{ entry: EntryState; content: AsyncIterable<Buffer>; close: () => Promise<void> }> {
  const it = session.requestStream({ type: "get", path })[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done || first.value.type !== "get-reply") {
    await it.return?.();
    throw new ProtocolError(`Cannot read get reply for "${path}"`);
  }
  async function* content(): AsyncIterable<Buffer> {
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      if (next.value.type !== "data") throw new ProtocolError(`Cannot read "${path}": unexpected ${next.value.type}`);
      yield next.value.bytes;
    }
  }
  return { entry: first.value.entry, content: content(), close: async () => void (await it.return?.()) };
}

/**
 * Our file was written since the check recorded the version offered: it does not go (it would
 * only fail the peer's hash check). Noticed before its bytes went ("check") or while they went
 * ("send"). Not a failure: the path stays pending, and the next check records the new version
 * and sends it (push-context.ts notSent).
 */
export class ChangedSinceCheckError extends PeersyncError {
  readonly how: SendStaleness;
  constructor(path: string, how: SendStaleness, when: "check" | "send" = "check") {
    super("CHANGED", when === "check"
      ? `Cannot send "${path}": it changed here since the check (${how}); the next sync checks it again and sends its new version`
      : `"${path}" changed while it was being sent (${how}); it is sent again after the next check`, {
      hint: "nothing to do: the next sync sends it",
    });
    this.how = how;
  }
}

/** Throws ChangedSinceCheckError when the open file (fstat) is no longer the offered version. */
function refuseIfStale(item: { path: LogicalPath; entry: EntryState }, st: { isFile(): boolean; size: bigint; mtimeNs: bigint }): void {
  if (item.entry.kind !== "file") return;
  const now: OpenFileStat = { isFile: st.isFile(), size: Number(st.size), mtimeNs: st.mtimeNs };
  const how = staleSince(item.entry, now);
  if (how !== undefined) throw new ChangedSinceCheckError(item.path, how);
}

/**
 * ELOOP from an O_NOFOLLOW open: a symlink now stands where the checked file was. ENOENT: the
 * file was removed since the check, which under continuous churn (a file written and deleted
 * again at once) is routine and was logged as a bare "ENOENT: no such file or directory, open".
 */
function rethrowReplaced(path: LogicalPath, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ELOOP") throw new ChangedSinceCheckError(path, "replaced by a symlink");
  if (code === "ENOENT") throw new ChangedSinceCheckError(path, "removed");
  throw err;
}

/** A version fetched back differs from the one the peer announced: it changed meanwhile. */
export class ChangedMeanwhileError extends PeersyncError {
  constructor(path: string) {
    super("CHANGED", `Cannot take "${path}" back: the peer's version changed since it answered; the next run retries`);
  }
}
