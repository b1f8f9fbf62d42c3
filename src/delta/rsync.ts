// librsync's signature, delta and patch as async generators over the native job API. Each
// generator holds one job and one or two output buffers, so memory stays constant whatever the
// file size (a delta also holds the loaded signature: 36 bytes per block of the basis).
// Inputs are any (async) iterable of byte chunks, Node readable streams included; outputs plug
// into stream.pipeline() or Readable.from().
import type { FileHandle } from "node:fs/promises";
import { RsyncError } from "../errors.js";
import { rsyncAddon, type NativeJob } from "./binding.js";
import { rsyncError, type JobContext } from "./rsync-error.js";

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Signature flavours, named after rdiff's `-R rollsum|rabinkarp` and `-H md4|blake2`. */
export const SIGNATURE_FORMATS = ["rk-blake2", "rk-md4", "blake2", "md4"] as const;
export type SignatureFormat = (typeof SIGNATURE_FORMATS)[number];

const MAGIC: Readonly<Record<SignatureFormat, number>> = {
  "rk-blake2": 0x72730147,
  "rk-md4": 0x72730146,
  blake2: 0x72730137,
  md4: 0x72730136,
};

const RS_DONE = 0;
const RS_BLOCKED = 1;
const RS_INPUT_ENDED = 103;
const MAX_BLOCK_LENGTH = 1 << 30;
const MAX_OUTPUT_SIZE = 64 << 20;
const EMPTY = new Uint8Array(0);

export interface StreamOptions {
  /** Bytes per output chunk; also how much librsync may write per thread-pool hop. */
  readonly outputSize?: number;
  /** The file being processed, for error messages only. */
  readonly name?: string;
  /**
   * Write output into two buffers in turn instead of a fresh one per chunk, which saves the
   * allocation and page faults of every chunk. A chunk then stays valid only until the chunk
   * after the next one is requested: fine for a consumer that writes each chunk before it
   * asks for more than one further chunk, wrong for one that keeps chunks. @default false
   */
  readonly recycleOutput?: boolean;
}

export interface SignatureOptions extends StreamOptions {
  /** Block length in bytes; 0 picks librsync's recommendation for `basisSize`. @default 0 */
  readonly blockLength?: number;
  /** Strong sum bytes; 0 is the format's maximum, -1 the safe minimum. @default 0 */
  readonly strongLength?: number;
  /** @default "rk-blake2" (rdiff 2.3's default, magic "rs\x01G") */
  readonly format?: SignatureFormat;
  /** Size of the basis when known; defaults then match `rdiff signature` on that file. */
  readonly basisSize?: number;
}

export interface SignatureParams {
  readonly format: SignatureFormat;
  readonly blockLength: number;
  readonly strongLength: number;
}

/** The parameters signature() will use: rdiff's rules for 0 / -1 (rs_sig_args). */
export function signatureParams(options: SignatureOptions = {}): SignatureParams {
  const format = options.format ?? "rk-blake2";
  if (!(SIGNATURE_FORMATS as readonly string[]).includes(format)) {
    throw new RangeError(`Cannot make a signature: format "${String(format)}" is not one of ${SIGNATURE_FORMATS.join(", ")}`);
  }
  const blockLength = integerOption("blockLength", options.blockLength ?? 0, 0, MAX_BLOCK_LENGTH);
  const strongLength = integerOption("strongLength", options.strongLength ?? 0, -1, 32);
  const size = options.basisSize === undefined ? -1 : integerOption("basisSize", options.basisSize, 0, Number.MAX_SAFE_INTEGER);
  const [result, , block, strong, detail] = rsyncAddon().sigArgs(size, MAGIC[format], blockLength, strongLength);
  if (result !== RS_DONE) throw new RangeError(`Cannot make a ${format} signature: ${detail || rsyncAddon().strerror(result)}`);
  return { format, blockLength: block, strongLength: strong };
}

/** The librsync signature of `basis`, byte-identical to `rdiff signature` with the same options. */
export async function* signature(basis: ByteSource, options: SignatureOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const params = signatureParams(options);
  const ctx = context("signature", options, 64 << 10);
  yield* drive(rsyncAddon().sigBegin(params.blockLength, params.strongLength, MAGIC[params.format]), basis, ctx);
}

/** A delta that turns the file `sig` describes into `newFile`, as `rdiff delta` writes it. */
export async function* delta(sig: ByteSource, newFile: ByteSource, options: StreamOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const ctx = context("delta", options, 256 << 10);
  // loadsig writes nothing; its output buffer only has to exist.
  const job = await loadSignature(sig, context("loadsig", options, 64));
  yield* drive(job, newFile, ctx);
}

/**
 * `basis` patched with `delta`, as `rdiff patch` writes it. The basis is read by offset with
 * pread() on the worker thread, so it must be a regular file and stay open until the generator
 * finishes.
 */
export async function* patch(basis: FileHandle, delta: ByteSource, options: StreamOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const ctx = context("patch", options, 1 << 20);
  if (basis.fd < 0) throw new TypeError(`Cannot patch${ctx.label}: the basis file handle is closed`);
  yield* drive(rsyncAddon().patchBegin(basis.fd), delta, ctx);
}

async function loadSignature(sig: ByteSource, ctx: JobContext): Promise<NativeJob> {
  const loader = rsyncAddon().loadSigBegin();
  try {
    for await (const unexpected of pump(loader, sig, ctx)) {
      throw new RsyncError("RS_INTERNAL_ERROR", `Cannot load signature: loadsig job produced ${unexpected.length} bytes`);
    }
    const [result, , , detail] = await loader.buildHashTable();
    if (result !== RS_DONE) throw rsyncError(ctx, result, detail);
    return rsyncAddon().deltaBegin(loader);
  } finally {
    loader.free();
  }
}

/** What each job reads, hence what a librsync error says is damaged. */
const INPUT_OF = { signature: "basis", loadsig: "signature", delta: "new file", patch: "delta" } as const;

function context(job: keyof typeof INPUT_OF, options: StreamOptions, defaultOutput: number): JobContext {
  return {
    op: job === "loadsig" ? "delta" : job,
    input: INPUT_OF[job],
    label: options.name === undefined ? "" : ` "${options.name}"`,
    outputSize: integerOption("outputSize", options.outputSize ?? defaultOutput, 1, MAX_OUTPUT_SIZE),
    recycleOutput: options.recycleOutput ?? false,
  };
}

function integerOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot use ${name} ${String(value)}: expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** pump() that frees the job however it ends. */
async function* drive(job: NativeJob, input: ByteSource, ctx: JobContext): AsyncGenerator<Buffer, void, undefined> {
  try {
    yield* pump(job, input, ctx);
  } finally {
    job.free();
  }
}

/**
 * Feeds `input` through `job` and yields what it writes, until librsync says it is done.
 * Invariant: at most one iter() is in flight, because every call is awaited before the next.
 */
async function* pump(job: NativeJob, input: ByteSource, ctx: JobContext): AsyncGenerator<Buffer, void, undefined> {
  const out = new OutputBuffer(ctx.outputSize, ctx.recycleOutput);
  for await (const chunk of input) {
    let rest = bytes(chunk, ctx);
    while (rest.length > 0) {
      const done = await step(job, rest, false, out, ctx);
      rest = rest.subarray(done.consumed);
      if (done.finished || out.full) yield* out.take();
      // Bytes after a delta's end command are ignored, as `rdiff patch` ignores them.
      if (done.finished) return;
    }
    // Hand output on before waiting for more input, so a slow source never holds it back.
    yield* out.take();
  }
  for (;;) {
    const done = await step(job, EMPTY, true, out, ctx);
    if (done.finished || out.full) yield* out.take();
    if (done.finished) return;
    // librsync's own no-progress check skips calls without input, so guard against a spin.
    if (done.consumed === 0 && done.produced === 0 && !out.full) {
      throw rsyncError(ctx, RS_INPUT_ENDED, "job made no progress at end of input");
    }
  }
}

function bytes(chunk: unknown, ctx: JobContext): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError(`Cannot ${ctx.op}${ctx.label}: ${ctx.input} chunks must be Uint8Arrays, got ${typeof chunk}`);
}

interface Step {
  readonly finished: boolean;
  readonly consumed: number;
  readonly produced: number;
}

async function step(job: NativeJob, input: Uint8Array, eof: boolean, out: OutputBuffer, ctx: JobContext): Promise<Step> {
  const [result, consumed, produced, detail] = await job.iter(input, eof, out.space());
  if (result !== RS_DONE && result !== RS_BLOCKED) throw rsyncError(ctx, result, detail);
  out.advance(produced);
  return { finished: result === RS_DONE, consumed, produced };
}

/**
 * The buffer librsync writes into. Full buffers are handed on as they are; a mostly empty one
 * is copied out, so a consumer that keeps chunks never pins a large, nearly empty allocation.
 */
class OutputBuffer {
  readonly #size: number;
  #buf: Buffer;
  // The buffer handed on last time, when recycling; it is written again after the next hand-on.
  #spare: Buffer | undefined;
  #filled = 0;

  constructor(size: number, recycle: boolean) {
    this.#size = size;
    this.#buf = Buffer.allocUnsafeSlow(size);
    this.#spare = recycle ? Buffer.allocUnsafeSlow(size) : undefined;
  }

  get full(): boolean {
    return this.#filled === this.#size;
  }

  space(): Buffer {
    return this.#buf.subarray(this.#filled);
  }

  advance(produced: number): void {
    this.#filled += produced;
  }

  *take(): Generator<Buffer, void, undefined> {
    if (this.#filled === 0) return;
    const filled = this.#filled;
    this.#filled = 0;
    if (filled * 2 < this.#size) {
      yield Buffer.from(this.#buf.subarray(0, filled));
      return;
    }
    const chunk = this.#buf.subarray(0, filled);
    if (this.#spare === undefined) {
      this.#buf = Buffer.allocUnsafeSlow(this.#size);
    } else {
      [this.#buf, this.#spare] = [this.#spare, this.#buf];
    }
    yield chunk;
  }
}
