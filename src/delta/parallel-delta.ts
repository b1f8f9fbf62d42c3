// delta() of a large file on several cores: the file is cut into ranges (at block boundaries of
// the signature), each range's delta is made by its own librsync job against the same
// signature, and the deltas are spliced into ONE delta stream that any librsync patch (ours,
// `rdiff patch`) applies unchanged. A delta is its 4-byte magic, then commands, then the END
// command (one 0 byte); COPY commands name absolute offsets in the basis, so the commands of
// range k, taken without their magic and END, produce exactly range k's bytes wherever they sit
// in the stream. librsync's one job runs on one core: 256 MiB took about 1 s here, most of a
// big file's delta sync; librsync itself is unchanged (no rsync algorithm is written here).
//
// What splicing costs: a match that straddles a cut is not found, so at most one block of
// literal bytes per cut. The ranges after the first are made while the first streams out; each
// buffers at most `maxBuffered` bytes of its delta before its job waits (a delta is small when
// the file matches well, up to the range's size when it does not).

import type { FileHandle } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { RsyncError } from "../errors.js";
import { delta, type ByteSource } from "./rsync.js";
import { tunable } from "../config/tunables.js";

/** "rs\x026": the first four bytes of every librsync delta. */
const DELTA_MAGIC = 0x72730236;
const RS_OP_END = 0;
/** Ranges smaller than this are not worth a job of their own. */
export const MIN_PART_BYTES = 32 << 20;

export interface ParallelDeltaOptions {
  /** How many ranges (jobs) at most. */
  readonly parts: number;
  /** @default MIN_PART_BYTES */
  readonly minPartBytes?: number;
  /** Delta bytes a range after the first may hold while it waits for its turn. @default 8 MiB */
  readonly maxBuffered?: number;
  /** Reads `file` from `start` to `end`; each chunk must stay valid until the next is asked for. */
  readonly read: (start: number, end: number) => ByteSource;
  readonly name?: string;
}

/**
 * librsync jobs per delta: one per core, at most 4 (PEERSYNC_DELTA_JOBS overrides, up to 16;
 * 1 = one job). A delta that runs beside other work (a fan-out) just shares the cores.
 */
export function deltaJobs(env: NodeJS.ProcessEnv = process.env): number {
  return tunable("PEERSYNC_DELTA_JOBS", env) ?? Math.min(availableParallelism(), 4);
}

/** Where the ranges start: multiples of the signature's block length, `parts` of them at most. */
export function cutPoints(size: number, blockLength: number, parts: number, minPartBytes: number): number[] {
  const n = Math.max(1, Math.min(parts, Math.floor(size / minPartBytes)));
  const starts = [0];
  for (let k = 1; k < n; k++) {
    const at = Math.floor((size * k) / n / blockLength) * blockLength;
    if (at > starts[starts.length - 1]! && at < size) starts.push(at);
  }
  return starts;
}

/** The block length a librsync signature's header names (magic, block length, strong length). */
export function signatureBlockLength(sig: Uint8Array): number {
  if (sig.length < 12) throw new RsyncError("RS_BAD_MAGIC", "Cannot make a delta: the signature is shorter than its header");
  return Buffer.from(sig.buffer, sig.byteOffset, sig.length).readUInt32BE(4);
}

/** The delta of `file` (`size` bytes) against `sig`, made by up to `parts` jobs at once. */
export async function* parallelDelta(sig: Buffer, size: number, options: ParallelDeltaOptions): AsyncGenerator<Buffer, void, undefined> {
  const starts = cutPoints(size, signatureBlockLength(sig), options.parts, options.minPartBytes ?? MIN_PART_BYTES);
  const named = options.name === undefined ? {} : { name: options.name };
  if (starts.length === 1) {
    yield* delta([sig], options.read(0, Infinity), named);
    return;
  }
  // The last range reads to the end of the file, as one job would (a file that grew since it
  // was checked fails the receiver's hash check either way).
  const ranges = starts.map((start, k) => ({ start, end: starts[k + 1] ?? Infinity }));
  const parts = ranges.map(({ start, end }) => delta([sig], options.read(start, end), named));
  const later = parts.slice(1).map((p) => new Ahead(p, options.maxBuffered ?? 8 << 20));
  try {
    for (const [k, part] of [parts[0]!, ...later.map((a) => a.chunks())].entries()) {
      yield* spliced(part, k > 0, k < parts.length - 1);
    }
  } finally {
    for (const a of later) a.stop();
    await Promise.allSettled([parts[0]!.return(undefined), ...later.map((a) => a.done)]);
  }
}

/** One range's delta with its magic dropped (`dropMagic`) and its END dropped (`dropEnd`), both checked. */
export async function* spliced(part: AsyncIterable<Buffer>, dropMagic: boolean, dropEnd: boolean): AsyncGenerator<Buffer, void, undefined> {
  let head = dropMagic ? 4 : 0;
  const magic: number[] = [];
  let held: Buffer | undefined;
  for await (let chunk of part) {
    if (head > 0) {
      magic.push(...chunk.subarray(0, head));
      const cut = Math.min(head, chunk.length);
      head -= cut;
      chunk = chunk.subarray(cut);
      if (head === 0 && Buffer.from(magic).readUInt32BE(0) !== DELTA_MAGIC) throw new RsyncError("RS_BAD_MAGIC", "Cannot splice deltas: a range's delta does not start with the delta magic");
    }
    if (chunk.length === 0) continue;
    if (!dropEnd) {
      yield chunk;
      continue;
    }
    // The last byte seen so far may be the END command: hold it back until more comes.
    if (held) yield held;
    if (chunk.length > 1) yield chunk.subarray(0, chunk.length - 1);
    held = chunk.subarray(chunk.length - 1);
  }
  if (head > 0) throw new RsyncError("RS_BAD_MAGIC", "Cannot splice deltas: a range's delta ended inside its magic");
  if (dropEnd && (held === undefined || held[0] !== RS_OP_END)) throw new RsyncError("RS_INTERNAL_ERROR", "Cannot splice deltas: a range's delta does not end with END");
}

/**
 * Runs a delta generator ahead of its consumer into a bounded buffer: the job works while the
 * ranges before it stream out (or, sync/delta-prefetch.ts, while the check still hashes the
 * file), and waits when `max` bytes are waiting. Its chunks are read once, by one consumer.
 */
export class Ahead {
  readonly done: Promise<void>;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #error: { readonly err: unknown } | undefined;
  #stopped = false;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;

  constructor(source: AsyncGenerator<Buffer, void, undefined>, readonly max: number) {
    this.done = this.#run(source);
  }

  async #run(source: AsyncGenerator<Buffer, void, undefined>): Promise<void> {
    try {
      for await (const chunk of source) {
        if (this.#stopped) break;
        // delta() hands on a fresh buffer per chunk (no recycleOutput): keeping it is safe.
        this.#queue.push(chunk);
        this.#queued += chunk.length;
        this.#wake();
        while (this.#queued >= this.max && !this.#stopped) await new Promise<void>((r) => (this.#wakeProducer = r));
      }
    } catch (err) {
      this.#error = { err };
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #wake(): void {
    const w = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    w?.();
  }

  async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const chunk = this.#queue.shift();
      if (chunk) {
        this.#queued -= chunk.length;
        const w = this.#wakeProducer;
        this.#wakeProducer = undefined;
        w?.();
        yield chunk;
        continue;
      }
      if (this.#error) throw this.#error.err;
      if (this.#ended) return;
      await new Promise<void>((r) => (this.#wakeConsumer = r));
    }
  }

  /** The consumer gave up: the job stops at its next chunk. */
  stop(): void {
    this.#stopped = true;
    const w = this.#wakeProducer;
    this.#wakeProducer = undefined;
    w?.();
  }
}
