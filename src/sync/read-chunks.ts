// A file (or bytes in memory) as a stream of chunks, for the wire and for librsync jobs.

import type * as fsp from "node:fs/promises";

/**
 * The bytes of an open file from `start` to its end, in fresh buffers (each chunk may be kept:
 * bytes for the wire). Reads are positional: a resumed put starts at the peer's offset.
 */
export async function* readChunks(file: fsp.FileHandle, start = 0, size = 256 * 1024): AsyncIterable<Buffer> {
  for (let position = start; ;) {
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await file.read(buffer, 0, size, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/**
 * Bytes `start` to `end` (default: the whole file) into two buffers in turn: a chunk is valid
 * only until the chunk after the next one is read. For a consumer that is done with each chunk
 * before it asks for the next (a librsync job: delta/signature input is consumed or copied into
 * the job), never for bytes that go to a socket. Fresh buffers cost their page faults: reading
 * 256 MiB took 200-330 ms that way and 65-90 ms into reused buffers (measured here). Reads are
 * positional, so several ranges of one handle can be read at once.
 */
export async function* readChunksReusing(file: fsp.FileHandle, start = 0, end = Infinity, size = 1024 * 1024): AsyncIterable<Buffer> {
  const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
  for (let position = start, turn = 0; position < end; turn ^= 1) {
    const buffer = buffers[turn]!;
    const { bytesRead } = await file.read(buffer, 0, Math.min(size, end - position), position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** Bytes already in memory (a cached signature) as data frames of at most `size` bytes. */
export function chunksOf(bytes: Buffer, size = 256 * 1024): Buffer[] {
  const chunks = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}
