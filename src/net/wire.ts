// One TLS socket seen as frames: reads through a FrameDecoder that a sink pulls from when it
// has capacity (otherwise the socket is paused: TCP backpressure reaches the peer), writes
// frames with a bounded buffer, and closes with a reason exactly once. Handshake and Session
// both sit on a Wire.

import type { TLSSocket } from "node:tls";
import { PeersyncError, ProtocolError, messageOf } from "../errors.js";
import { FrameDecoder, encodeHeader, type Frame } from "./frame.js";
import type { Limits } from "./limits.js";
import { encodeMessage, kindOf, type Message } from "./messages.js";

/** The connection ended inside a frame: the peer's process or the network went away mid-message. */
export class MidFrameError extends ProtocolError {
  constructor() {
    super("Cannot read frame: the peer closed mid-frame");
  }
}

/** Who consumes frames: pulled only while ready() is true. */
export interface FrameSink {
  ready(): boolean;
  frame(frame: Frame): void;
}

// Bodies up to this size are copied into one buffer with their header (one TLS record);
// bigger ones are written after the header without a copy.
const COALESCE_BYTES = 16 << 10;

export class Wire {
  readonly socket: TLSSocket;
  readonly limits: Limits;
  readonly #decoder: FrameDecoder;
  #sink: FrameSink | undefined;
  #closeReason: Error | undefined;
  #closed = false;
  readonly #onClose = new Set<(reason: Error | undefined) => void>();

  constructor(socket: TLSSocket, limits: Limits) {
    this.socket = socket;
    this.limits = limits;
    this.#decoder = new FrameDecoder(limits.maxFrameBytes, [kindOf("data")]);
    socket.on("data", (chunk: Buffer) => {
      if (this.#closed) return;
      this.#decoder.push(chunk);
      this.pump();
    });
    socket.on("error", (err) => this.close(err, false));
    socket.on("end", () => {
      const reason = this.#decoder.atBoundary ? undefined : new MidFrameError();
      this.close(reason, false);
    });
    socket.on("close", () => this.close(undefined, false));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why the wire closed (undefined: orderly). */
  get closeReason(): Error | undefined {
    return this.#closeReason;
  }

  /** Calls `listener` once when the wire closes; returns a function that unsubscribes it. */
  onClose(listener: (reason: Error | undefined) => void): () => void {
    if (this.#closed) queueMicrotask(() => listener(this.#closeReason));
    else this.#onClose.add(listener);
    return () => this.#onClose.delete(listener);
  }

  setSink(sink: FrameSink | undefined): void {
    this.#sink = sink;
    this.pump();
  }

  /** Delivers buffered frames while the sink is ready; pauses the socket when it is not. */
  pump(): void {
    const sink = this.#sink;
    if (this.#closed || sink === undefined) return;
    try {
      while (sink.ready() && !this.#closed) {
        const frame = this.#decoder.next();
        if (frame === undefined) break;
        sink.frame(frame);
      }
    } catch (err) {
      this.close(err instanceof Error ? err : new ProtocolError(messageOf(err)));
      return;
    }
    if (this.#closed) return;
    const ready = sink.ready();
    if (ready && this.socket.isPaused()) this.socket.resume();
    else if (!ready && !this.socket.isPaused()) this.socket.pause();
  }

  /** Queues one message on stream `id`; false when the write buffer is over its limit. */
  send(id: number, msg: Message): boolean {
    if (this.#closed) return false;
    const { kind, body } = encodeMessage(msg, this.limits.maxControlBytes);
    if (body.length > this.limits.maxFrameBytes) throw new RangeError(`Cannot send ${msg.type}: ${body.length} bytes exceeds the frame limit`);
    const header = encodeHeader(kind, id, body.length);
    if (body.length <= COALESCE_BYTES) {
      this.socket.write(Buffer.concat([header, body]));
    } else {
      // Corked, the two go out in one writev: cheaper than two writes or a concat (measured).
      this.socket.cork();
      this.socket.write(header);
      this.socket.write(body);
      this.socket.uncork();
    }
    return !this.congested;
  }

  /** More than writeHighWaterBytes wait in the socket: the peer is not reading fast enough. */
  get congested(): boolean {
    return this.socket.writableLength > this.limits.writeHighWaterBytes;
  }

  /**
   * Resolves when the write buffer is below its limit. A peer that does not read for
   * requestTimeoutMs gets its session closed: a slow peer never makes us buffer without bound.
   */
  async drained(): Promise<void> {
    while (this.congested && !this.#closed) {
      await new Promise<void>((resolve) => {
        // Every listener is removed again: a long transfer waits here thousands of times.
        const done = (): void => {
          clearTimeout(timer);
          this.socket.off("drain", done);
          unsubscribe();
          resolve();
        };
        const timer = setTimeout(() => {
          this.close(new ProtocolError(`Cannot write to peer: it read nothing for ${this.limits.requestTimeoutMs} ms`));
          done();
        }, this.limits.requestTimeoutMs);
        this.socket.once("drain", done);
        const unsubscribe = this.onClose(done);
      });
    }
    if (this.#closed) throw this.#closeReason ?? new ProtocolError("Cannot write to peer: the session is closed");
  }

  /**
   * Closes once. With `tell`, a PeersyncError reason is sent to the peer first (code and
   * message, never a stack), so both sides can log why.
   */
  close(reason?: Error, tell = true): void {
    if (this.#closed) return;
    if (tell && reason instanceof PeersyncError && this.socket.writable) {
      try {
        const hint = reason.hint;
        this.send(0, { type: "error", code: reason.code, message: reason.message, ...(hint === undefined ? {} : { hint }) });
      } catch {
        // The reason does not fit a frame; closing is what matters.
      }
    }
    this.#closed = true;
    this.#closeReason = reason;
    this.socket.end();
    // A peer that never reads would keep a half-closed socket forever.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
    const listeners = [...this.#onClose];
    this.#onClose.clear();
    for (const listener of listeners) listener(reason);
  }
}
