// An authenticated session with one peer over one TLS connection. Requests are pipelined:
// the client numbers them (stream ids), the server answers each on its id, in any order.
// Backpressure everywhere: the server stops reading when maxInFlight requests are in hand,
// when request bodies wait for their handler, or when replies wait for the peer to read; the
// client waits for a free slot before sending a request and for the socket to drain before
// sending more body (request-body.ts). Timeouts: per request (reply-stream.ts), per idle
// session (idle-timer.ts), per stalled write (wire.ts).

import { PeerError, ProtocolError, messageOf } from "../errors.js";
import type { Frame } from "./frame.js";
import type { PeerIdentity } from "./handshake/auth.js";
import { IdleTimer } from "./idle-timer.js";
import { decodeMessage, hasBody, roleOf, type Message, type Request } from "./messages.js";
import { AsyncQueue } from "./queue.js";
import { readReplies } from "./reply-stream.js";
import { BodyStopped, sendBody } from "./request-body.js";
import { serveRequest, type SessionHandler } from "./serve.js";
import { IdleError, sessionEndError, ShutdownError } from "./session-end.js";
import type { Wire } from "./wire.js";

// Part of request()'s contract: the body a client passes may throw it to stop on purpose.
export { BodyStopped } from "./request-body.js";

export type SessionRole = "client" | "server";

export interface RequestOptions {
  /** Give up after this many ms without a reply message. @default limits.requestTimeoutMs */
  readonly timeoutMs?: number;
  /** Data sent after the request (requests whose type has a body, e.g. discard). */
  readonly body?: AsyncIterable<Uint8Array>;
}

interface Pending {
  readonly replies: AsyncQueue<Message>;
}

/** Server-side state of one request in hand. */
export interface Incoming {
  readonly body: AsyncQueue<Buffer> | undefined;
  readonly abort: AbortController;
  bodyOpen: boolean;
  handlerDone: boolean;
  /** Called on each body frame (data or end): the body is still arriving (serve.ts restarts its deadline). */
  onBody?: (() => void) | undefined;
}

const messageBytes = (m: Message): number => (m.type === "data" ? m.bytes.length : 64);

export class Session {
  readonly peer: PeerIdentity;
  readonly role: SessionRole;
  readonly wire: Wire;
  readonly closed: Promise<Error | undefined>;
  readonly #handler: SessionHandler | undefined;
  readonly #pending = new Map<number, Pending>();
  readonly #incoming = new Map<number, Incoming>();
  readonly #slotWaiters: (() => void)[] = [];
  readonly #idle: IdleTimer;
  #nextId = 1;
  #queuedBytes = 0;
  #draining = false;
  #peerDraining = false;
  /** This side closed the session (close(), drain()): what it cut off is not a lost connection. */
  #closedHere = false;

  constructor(wire: Wire, peer: PeerIdentity, role: SessionRole, handler?: SessionHandler) {
    this.wire = wire;
    this.peer = peer;
    this.role = role;
    this.#handler = handler;
    this.closed = new Promise((resolve) => wire.onClose(resolve));
    wire.onClose((reason) => this.#onClosed(reason));
    this.#idle = new IdleTimer({
      limitMs: () => this.wire.limits.idleTimeoutMs,
      busy: () => this.inFlight > 0,
      onIdle: (idle) => this.wire.close(new IdleError(`Cannot keep session with "${this.peer.host.name}": idle for ${idle} ms`)),
    });
    wire.setSink({ ready: () => this.#ready(), frame: (f) => this.#frame(f) });
  }

  /** "group/host" for logs. */
  get name(): string {
    return `${this.peer.group.name}/${this.peer.host.name}`;
  }

  /** False once either side announced shutdown or the wire closed: open a new session. */
  get usable(): boolean {
    return !this.wire.closed && !this.#draining && !this.#peerDraining;
  }

  get inFlight(): number {
    return this.role === "client" ? this.#pending.size : this.#incoming.size;
  }

  /** Sends `msg` and resolves with the single reply message; an error reply rejects with PeerError. */
  async request(msg: Request, options: RequestOptions = {}): Promise<Message> {
    for await (const reply of this.#exchange(msg, options)) return reply;
    throw new ProtocolError(`Cannot read reply to ${msg.type}: the peer sent an empty stream`);
  }

  /** Sends `msg` and yields the reply stream's messages until its end. */
  requestStream(msg: Request, options: RequestOptions = {}): AsyncIterable<Message> {
    return this.#exchange(msg, options);
  }

  /** Stops taking new requests, lets those in hand finish (up to graceMs), then closes. */
  async drain(graceMs: number): Promise<void> {
    if (this.wire.closed) return;
    this.#draining = true;
    this.wire.send(0, { type: "bye" });
    const deadline = Date.now() + graceMs;
    while (this.inFlight > 0 && !this.wire.closed && Date.now() < deadline) await sleep(Math.min(20, graceMs));
    // Requests still in hand are cut off: the peer is told why (a pusher once read only "the
    // peer closed mid-frame" when the daemon it was syncing to was stopped or restarted), and
    // this node's own refusals of them say it too, not that the peer closed.
    const cut = this.role === "server" ? this.inFlight : 0;
    this.wire.close(cut === 0 ? undefined : new ShutdownError(
      `Cannot finish ${cut} request(s) of "${this.peer.host.name}": node "${this.peer.localName}" is shutting down and its grace time (${graceMs} ms) is over`,
      { hint: `the next sync sends what is still pending once "${this.peer.localName}" serves again; for a stop that waits longer for transfers, raise PEERSYNC_SHUTDOWN_GRACE_MS there (and TimeoutStopSec= of its unit)` },
    ));
  }

  close(reason?: Error): void {
    this.#closedHere = true;
    this.wire.close(reason);
  }

  async *#exchange(msg: Request, options: RequestOptions): AsyncGenerator<Message> {
    if (this.role !== "client") throw new TypeError("Cannot send a request from the server side of a session");
    if (hasBody(msg.type) !== (options.body !== undefined)) {
      throw new TypeError(`Cannot send ${msg.type}: ${hasBody(msg.type) ? "it needs" : "it takes no"} body`);
    }
    await this.#slot();
    const id = this.#takeId();
    const replies = new AsyncQueue<Message>(messageBytes, () => this.#consumed());
    this.#pending.set(id, { replies });
    try {
      if (!this.usable) throw new PeerError(`Cannot send ${msg.type} to "${this.peer.host.name}": the session is closing`, { peer: this.peer.host.name });
      this.#idle.touch();
      try {
        this.wire.send(id, msg);
        if (options.body) await sendBody(this.wire, { id, body: options.body, peerVersion: this.peer.version });
        await this.wire.drained();
      } catch (err) {
        // The connection went away while the request (a put's body) was still being written.
        throw this.wire.closed ? this.#failureOf(this.wire.closeReason) : err;
      }
      yield* readReplies(replies, { peer: this.peer.host.name, type: msg.type, timeoutMs: options.timeoutMs ?? this.wire.limits.requestTimeoutMs });
    } finally {
      this.#pending.delete(id);
      replies.discard();
      this.#slotWaiters.shift()?.();
    }
  }

  #slot(): Promise<void> {
    if (this.#pending.size < this.wire.limits.maxInFlight) return Promise.resolve();
    return new Promise((resolve) => this.#slotWaiters.push(resolve));
  }

  #takeId(): number {
    do this.#nextId = this.#nextId >= 0xffff_ffff ? 1 : this.#nextId + 1;
    while (this.#pending.has(this.#nextId));
    return this.#nextId;
  }

  #ready(): boolean {
    const limits = this.wire.limits;
    if (this.#queuedBytes >= limits.bodyHighWaterBytes) return false;
    // A client writes nothing in answer to what it reads, so its own congested writes (a big
    // put's body) are no reason to stop reading: it once read neither the bye nor the reason
    // of a daemon that stopped mid-put, and reported only "write EPIPE". A server stops reading
    // requests while it cannot write their replies.
    if (this.role === "client") return true;
    return !this.wire.congested && this.#incoming.size < limits.maxInFlight;
  }

  #consumed(): void {
    this.#recount();
    queueMicrotask(() => this.wire.pump());
  }

  #recount(): void {
    let bytes = 0;
    for (const p of this.#pending.values()) bytes += p.replies.bytes;
    for (const i of this.#incoming.values()) bytes += i.body?.bytes ?? 0;
    this.#queuedBytes = bytes;
  }

  #frame(frame: Frame): void {
    this.#idle.touch();
    const msg = decodeMessage(frame.kind, frame.body, this.wire.limits.maxControlBytes);
    if (frame.id === 0) return this.#sessionMessage(msg);
    const role = roleOf(msg.type);
    if (this.role === "client") {
      if (role === "request" || role === "setup") throw new ProtocolError(`Cannot accept ${msg.type} from a server`);
      // Replies to a request we gave up on (timeout) are dropped.
      this.#pending.get(frame.id)?.replies.push(msg);
    } else if (role === "request") {
      this.#startRequest(frame.id, msg as Request);
    } else if (role === "stream") {
      this.#bodyFrame(frame.id, msg);
    } else {
      throw new ProtocolError(`Cannot accept ${msg.type} from a client on stream ${frame.id}`);
    }
    this.#recount();
  }

  #sessionMessage(msg: Message): void {
    if (msg.type === "bye") {
      this.#peerDraining = true;
      return;
    }
    if (msg.type === "error") {
      const remote = new PeerError(`Peer "${this.peer.host.name}" closed the session: ${msg.message}`, {
        peer: this.peer.host.name, remoteCode: msg.code, ...(msg.hint === undefined ? {} : { hint: msg.hint }),
      });
      return this.wire.close(remote, false);
    }
    throw new ProtocolError(`Cannot accept ${msg.type} on stream 0 after setup`);
  }

  #startRequest(id: number, msg: Request): void {
    if (this.#incoming.has(id)) throw new ProtocolError(`Cannot accept ${msg.type}: stream id ${id} is already in use`);
    const body = hasBody(msg.type) ? new AsyncQueue<Buffer>((b) => b.length, () => this.#consumed()) : undefined;
    const entry: Incoming = { body, abort: new AbortController(), bodyOpen: body !== undefined, handlerDone: false };
    this.#incoming.set(id, entry);
    if (this.#draining || !this.#handler) {
      const reason = this.#draining ? "this node is shutting down" : "this node serves no requests";
      entry.handlerDone = true;
      body?.discard();
      this.wire.send(id, { type: "error", code: "UNAVAILABLE", message: `Cannot serve ${msg.type}: ${reason}` });
      return this.#settle(id, entry);
    }
    void serveRequest(this, this.#handler, id, msg, entry).finally(() => {
      entry.handlerDone = true;
      entry.body?.discard();
      this.#settle(id, entry);
    });
  }

  #bodyFrame(id: number, msg: Message): void {
    const entry = this.#incoming.get(id);
    if (!entry?.bodyOpen || !entry.body) throw new ProtocolError(`Cannot accept ${msg.type}: stream ${id} has no open body`);
    if (msg.type === "data") {
      entry.body.push(msg.bytes);
      return entry.onBody?.();
    }
    entry.bodyOpen = false;
    if (msg.type === "abort") entry.body.fail(new BodyStopped(`${this.peer.host.name} stopped sending: ${msg.message}`));
    else entry.body.end();
    entry.onBody?.();
    this.#settle(id, entry);
  }

  #settle(id: number, entry: Incoming): void {
    if (entry.handlerDone && !entry.bodyOpen) this.#incoming.delete(id);
    this.#recount();
    queueMicrotask(() => this.wire.pump());
  }

  #failureOf(reason: Error | undefined): Error {
    return sessionEndError({
      peer: this.peer.host.name, role: this.role, peerDraining: this.#peerDraining, closedHere: this.#closedHere,
      draining: this.#draining, unanswered: this.#pending.size,
    }, reason);
  }

  #onClosed(reason: Error | undefined): void {
    this.#idle.stop();
    const err = this.#failureOf(reason);
    for (const p of this.#pending.values()) p.replies.fail(err);
    for (const i of this.#incoming.values()) {
      i.abort.abort(err);
      i.body?.fail(err);
    }
    for (const wake of this.#slotWaiters.splice(0)) wake();
    try {
      this.#handler?.onClose?.(this, reason);
    } catch (e) {
      void messageOf(e);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
