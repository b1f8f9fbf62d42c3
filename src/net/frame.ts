// Length-prefixed frames, the only unit that crosses the wire after TLS. Header (9 bytes, big
// endian): u32 body length, u8 kind (which message, see messages.ts), u32 stream id (the
// request a frame belongs to; 0 = the session itself). The length is checked against the limit
// as soon as the header is in, before any body byte is buffered, so a claimed 4 GiB frame costs
// nothing. Pure: no I/O, no clock.

import { ProtocolError } from "../errors.js";

export const FRAME_HEADER_BYTES = 9;
/** Stream ids are u32; 0 is the session's own (hello, proofs, session errors). */
export const MAX_STREAM_ID = 0xffff_ffff;

export interface Frame {
  readonly kind: number;
  readonly id: number;
  readonly body: Buffer;
  /** For kinds decoded in pieces: more pieces of this frame follow. */
  readonly partial?: boolean;
}

/** The 9-byte header for a frame; the body is written after it unchanged (no copy of bulk data). */
export function encodeHeader(kind: number, id: number, bodyLength: number): Buffer {
  if (!Number.isInteger(kind) || kind < 0 || kind > 0xff) throw new RangeError(`Cannot encode frame kind ${kind}`);
  if (!Number.isInteger(id) || id < 0 || id > MAX_STREAM_ID) throw new RangeError(`Cannot encode stream id ${id}`);
  if (!Number.isInteger(bodyLength) || bodyLength < 0 || bodyLength > 0xffff_ffff) {
    throw new RangeError(`Cannot encode frame length ${bodyLength}`);
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(bodyLength, 0);
  header.writeUInt8(kind, 4);
  header.writeUInt32BE(id, 5);
  return header;
}

/** A whole frame in one buffer (control messages; tests). */
export function encodeFrame(kind: number, id: number, body: Uint8Array): Buffer {
  return Buffer.concat([encodeHeader(kind, id, body.length), body]);
}

/**
 * Incremental decoder: push() what the socket delivered, then pull frames with next() until it
 * returns undefined. Pulling (rather than returning every frame of a chunk) lets the session
 * stop taking requests when it is busy; what stays buffered is bounded by one socket read plus
 * one frame.
 */
export class FrameDecoder {
  readonly #maxBody: number;
  readonly #pieceKinds: ReadonlySet<number>;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #header: { length: number; kind: number; id: number } | undefined;

  /**
   * `pieceKinds`: kinds whose bodies are bulk bytes that may be handed over in pieces as they
   * arrive (data frames), so a large chunk is never copied together or held whole.
   */
  constructor(maxBodyBytes: number, pieceKinds: Iterable<number> = []) {
    this.#maxBody = maxBodyBytes;
    this.#pieceKinds = new Set(pieceKinds);
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** True when no partial frame is pending (a clean place for the peer to stop). */
  get atBoundary(): boolean {
    return this.#buffered === 0 && this.#header === undefined;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.#buffered += chunk.length;
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws ProtocolError. */
  next(): Frame | undefined {
    if (this.#header === undefined) {
      if (this.#buffered < FRAME_HEADER_BYTES) return undefined;
      const raw = this.#take(FRAME_HEADER_BYTES);
      const length = raw.readUInt32BE(0);
      if (length > this.#maxBody) {
        throw new ProtocolError(`Cannot accept frame: length ${length} exceeds the limit of ${this.#maxBody} bytes`);
      }
      this.#header = { length, kind: raw.readUInt8(4), id: raw.readUInt32BE(5) };
    }
    const { length, kind, id } = this.#header;
    if (this.#pieceKinds.has(kind) && length > 0) return this.#piece();
    if (this.#buffered < length) return undefined;
    this.#header = undefined;
    return { kind, id, body: this.#take(length) };
  }

  // What is buffered of the current piece-wise frame, up to the end of the first chunk (no copy).
  #piece(): Frame | undefined {
    const header = this.#header!;
    if (this.#buffered === 0) return undefined;
    const n = Math.min(header.length, this.#chunks[0]!.length);
    header.length -= n;
    const body = this.#take(n);
    if (header.length === 0) this.#header = undefined;
    return { kind: header.kind, id: header.id, body, partial: header.length > 0 };
  }

  // Removes `n` buffered bytes; slices without copying when they lie in the first chunk.
  #take(n: number): Buffer {
    this.#buffered -= n;
    if (n === 0) return Buffer.alloc(0);
    const first = this.#chunks[0]!;
    if (first.length > n) {
      this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.#chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0]!;
      const want = n - filled;
      if (chunk.length <= want) {
        chunk.copy(out, filled);
        filled += chunk.length;
        this.#chunks.shift();
      } else {
        chunk.copy(out, filled, 0, want);
        this.#chunks[0] = chunk.subarray(want);
        filled += want;
      }
    }
    return out;
  }
}
