// signature / delta / patch between files, the way `rdiff` runs them. Output goes to a temp file
// beside the target that is renamed into place only on success, so a failed run (a corrupt
// delta, say) leaves no output file behind.
import { randomBytes } from "node:crypto";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { delta, patch, signature, type SignatureOptions, type StreamOptions } from "./rsync.js";

export interface FileOptions {
  /** Bytes read from each input file at a time. @default 512 KiB for a basis or new file, 256 KiB for a signature or delta */
  readonly inputSize?: number;
}

// Sizes that keep peak RSS under 64 MB (a bare Node process takes 40 of them) while a thread-pool
// hop per chunk still costs under 2% CPU. Signatures and deltas are mostly small.
const INPUT = 512 << 10;
const SMALL_INPUT = 256 << 10;

/** `rdiff signature BASIS OUT`; without `basisSize`, block length defaults follow the file's size. */
export async function signatureFile(paths: { basis: string; out: string }, options: SignatureOptions & FileOptions = {}): Promise<void> {
  await withFile(paths.basis, async (basis) => {
    const basisSize = options.basisSize ?? (await basis.stat()).size;
    const opts = { name: paths.basis, recycleOutput: true, ...options, basisSize };
    await writeAtomically(paths.out, signature(readAhead(basis, options.inputSize), opts));
  });
}

/** `rdiff delta SIGNATURE NEWFILE OUT` */
export async function deltaFile(paths: { signature: string; newFile: string; out: string }, options: StreamOptions & FileOptions = {}): Promise<void> {
  await withFile(paths.signature, (sig) =>
    withFile(paths.newFile, async (newFile) => {
      const sigChunks = readAhead(sig, options.inputSize ?? SMALL_INPUT);
      const chunks = delta(sigChunks, readAhead(newFile, options.inputSize), { name: paths.newFile, recycleOutput: true, ...options });
      await writeAtomically(paths.out, chunks);
    }),
  );
}

/** `rdiff patch BASIS DELTA OUT` */
export async function patchFile(paths: { basis: string; delta: string; out: string }, options: StreamOptions & FileOptions = {}): Promise<void> {
  await withFile(paths.basis, (basis) =>
    withFile(paths.delta, async (deltaFile) => {
      const deltaChunks = readAhead(deltaFile, options.inputSize ?? SMALL_INPUT);
      const chunks = patch(basis, deltaChunks, { name: paths.out, outputSize: INPUT, recycleOutput: true, ...options });
      await writeAtomically(paths.out, chunks);
    }),
  );
}

/**
 * Writes `chunks` to a temp file beside `path`, then renames it over `path`.
 * NOTE: nothing is fsync'd; a caller that needs the file to survive a crash (sync/apply) checks
 * the content hash and fsyncs itself.
 */
export async function writeAtomically(path: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const file = await open(temp, "wx");
  try {
    await writeBehind(file, chunks);
    await file.close();
    await rename(temp, path);
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
}

async function withFile<T>(path: string, use: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(path, "r");
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}

// One write stays in flight while librsync produces the next chunk, so disk and CPU overlap.
// A chunk is written before the one after it is requested, as recycleOutput requires.
async function writeBehind(file: FileHandle, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  let pending: Promise<unknown> = Promise.resolve();
  try {
    for await (const chunk of chunks) {
      await pending;
      pending = file.write(chunk);
    }
  } finally {
    await pending.catch(() => undefined);
  }
  await pending;
}

/**
 * Reads `file` in chunks with one read in flight ahead of the consumer, alternating between
 * two buffers. Contract: a chunk is valid only until the next one is requested, which holds for
 * rsync.ts (it finishes with a chunk before it pulls the next); never export this.
 */
async function* readAhead(file: FileHandle, size = INPUT): AsyncGenerator<Buffer, void, undefined> {
  let spare = Buffer.allocUnsafeSlow(size);
  let position = 0;
  let next = file.read(Buffer.allocUnsafeSlow(size), 0, size, position);
  try {
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) return;
      position += bytesRead;
      next = file.read(spare, 0, size, position);
      spare = buffer;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A consumer that stops early must not leave a read racing the file's close.
    await next.catch(() => undefined);
  }
}
