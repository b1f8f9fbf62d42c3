// Content between the pusher and a peer, from the pusher's side: a put (whole bytes, or a
// librsync delta against the peer's signature) and a get (the peer's version fetched back).
// Per-path failures come back as refused answers or thrown errors the caller turns into
// problems; a session failure throws PeerError.

import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import type { Group } from "../config/types.js";
import type { EntryState } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { delta } from "../delta/rsync.js";
import { PeersyncError, ProtocolError } from "../errors.js";
import type { Config } from "../config/types.js";
import type { Answer, Message } from "../net/messages.js";
import type { Session } from "../net/session.js";
import { readChunks } from "./handler.js";
import { askOffset, readFrom, resumeMinBytes } from "./partial.js";
import { resolveTarget } from "./target.js";

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Largest signature accepted whatever the basis size (a hostile peer cannot make us buffer more). */
export const MAX_SIGNATURE_BYTES = 64 << 20;

/** Sends our version of `path` (a file) to the peer; resolves with its answer. */
export async function putFile(session: Session, config: Config, group: Group, item: { path: LogicalPath; entry: EntryState; forced: boolean }, mode: "whole" | "delta"): Promise<Answer> {
  const target = await resolveTarget(config, group, item.path);
  const file = await fsp.open(target.fs, READ_FLAGS);
  try {
    if (mode === "whole") {
      // A large file the peer began to receive before (connection dropped) continues where it stopped (partial.ts).
      const { entry } = item;
      const offset = entry.kind === "file" && entry.size >= resumeMinBytes() ? await askOffset(session, item.path, entry.hash, entry.size) : 0;
      const reply = await session.request({ type: "put", ...item, encoding: "whole", ...(offset > 0 ? { offset } : {}) }, { body: offset > 0 ? readFrom(file, offset) : readChunks(file) });
      return answerOf(reply);
    }
    const sig = await fetchSignature(session, item.path);
    const body = delta([sig.bytes], readChunks(file));
    const reply = await session.request({ type: "put", ...item, encoding: "delta", basisHash: sig.hash }, { body });
    return answerOf(reply);
  } finally {
    await file.close();
  }
}

function answerOf(reply: Message): Answer {
  if (reply.type !== "put-reply") throw new ProtocolError(`Cannot read put reply: got ${reply.type}`);
  return reply.answer;
}

/** The peer's signature of its file, bounded by what its size can need. */
async function fetchSignature(session: Session, path: LogicalPath): Promise<{ hash: string; bytes: Buffer }> {
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

/** A version fetched back differs from the one the peer announced: it changed meanwhile. */
export class ChangedMeanwhileError extends PeersyncError {
  constructor(path: string) {
    super("CHANGED", `Cannot take "${path}" back: the peer's version changed since it answered; the next run retries`);
  }
}
