// Test support shared by src/delta/*.test.ts and test/interop/rdiff.test.ts: deterministic
// files, n-byte chunking and collecting. Not used by peersync itself.
import { createCipheriv, createHash } from "node:crypto";

/** `size` pseudo-random bytes, the same for the same seed (AES-128-CTR over zeros). */
export function randomFile(size: number, seed: string): Buffer {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-128-ctr", key.subarray(0, 16), key.subarray(16, 32));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** `count` copies of one random block: every block of the basis matches every other one. */
export function repeatedBlocks(blockSize: number, count: number): Buffer {
  const block = randomFile(blockSize, "repeated");
  return Buffer.concat(Array.from({ length: count }, () => block));
}

/**
 * `basis` with the kinds of change a delta must express: bytes overwritten, a run inserted
 * and a run deleted, at offsets spread over the file.
 */
export function edited(basis: Buffer, seed: string): Buffer {
  if (basis.length < 16) return Buffer.concat([basis, Buffer.from(seed)]);
  const copy = Buffer.from(basis);
  const noise = randomFile(64, seed);
  noise.copy(copy, Math.floor(copy.length / 5), 0, Math.min(16, copy.length / 5));
  const cut = Math.floor(copy.length / 2);
  const insertAt = Math.floor((copy.length * 4) / 5);
  return Buffer.concat([
    copy.subarray(0, cut),
    copy.subarray(cut + Math.min(100, copy.length >> 4), insertAt),
    noise.subarray(16),
    copy.subarray(insertAt),
  ]);
}

/** Yields `data` in `size`-byte pieces; an empty `data` yields nothing, as an empty file does. */
export function* chunked(data: Uint8Array, size: number): Generator<Uint8Array, void, undefined> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The input chunk sizes every stream path runs with (STYLE.md §6). */
export const CHUNK_SIZES = [1, 2, 7, 4096, 1 << 20] as const;

/**
 * Whether to push `size` bytes through in `chunk`-byte pieces: each piece is one trip to the
 * thread pool (tens of µs), so tiny pieces are kept to small files to bound test time.
 */
export function worthChunking(size: number, chunk: number): boolean {
  return Math.ceil(size / chunk) <= 8192;
}
