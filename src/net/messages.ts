// The one place peer bytes become types. A frame's kind byte names the message type; its body
// is either a JSON object (control messages) or raw bytes (data chunks, never JSON-encoded).
// decodeMessage() validates every field (schema, sizes, path rules via core/path.ts) and builds
// a fresh object of known fields only, so nothing unvalidated reaches the rest of the daemon.
//
// To add a message type: add its interface to the Message union and one entry to SPECS (a
// kind number never used before, its role, a decode function built from fields.ts, and
// sync-payloads.ts for offered items and answers). The compiler refuses a union member
// without a spec. Pure: no I/O.

import { ProtocolError } from "../errors.js";
import { entryFromWire, entryToWire, type EntryState } from "../core/entry.js";
import type { LogicalPath } from "../core/path.js";
import { bool, bytes, hash, list, name, oneOf, optionalText, path, record, text, uint, type Fields } from "./fields.js";
import { DEFAULT_LIMITS } from "./limits.js";
import { answer, answerList, answerToJson, MAX_PUT_BATCH_ITEMS, offerItem, putBatchItems, type Answer, type OfferItem } from "./sync-payloads.js";

export { MAX_PUT_BATCH_BYTES, MAX_PUT_BATCH_ITEMS } from "./sync-payloads.js";
export type { Answer, OfferItem } from "./sync-payloads.js";

/** This node's protocol; peers with another major are refused, minors interoperate. */
export const PROTOCOL_MAJOR = 1;
// Minor 1: put-batch (several small files per request); a 1.0 peer gets single puts.
// Minor 2: abort (a client stops a request's body; the server answers the request as usual).
export const PROTOCOL_MINOR = 2;
export const PROOF_BYTES = 32;

export type Version = readonly [major: number, minor: number];

// Session setup (stream id 0): client hello → server hello-ack → client proof → server proof.
/** `clockMs`: the sender's wall clock (ms since the epoch) when it sent the message; optional, so older peers still talk (handshake/clock.ts). */
export interface Hello { readonly type: "hello"; readonly versions: readonly Version[]; readonly node: string; readonly group: string; readonly to: string; readonly software: string; readonly clockMs?: number }
export interface HelloAck { readonly type: "hello-ack"; readonly version: Version; readonly node: string; readonly software: string; readonly clockMs?: number }
export interface Proof { readonly type: "proof"; readonly mac: Buffer }
/** A refusal or failure: on stream 0 it ends the session, on a request id it answers that request. */
export interface ErrorMessage { readonly type: "error"; readonly code: string; readonly message: string; readonly hint?: string }
/** The sender is shutting down: finish what is in flight, start nothing new. */
export interface Bye { readonly type: "bye" }
// Requests and their replies (stream id > 0, chosen by the client).
export interface Ping { readonly type: "ping" }
export interface Pong { readonly type: "pong" }
export interface StatusRequest { readonly type: "status" }
export interface StatusReply { readonly type: "status-reply"; readonly node: string; readonly group: string; readonly version: Version; readonly software: string; readonly uptimeS: number; readonly sessions: number; readonly draining: boolean }
/** Ask about one path; served by the sync engine's handler (answered "UNSUPPORTED" until then). */
export interface Stat { readonly type: "stat"; readonly path: LogicalPath }
/** A request whose body (data frames, then end) the server reads and throws away: bandwidth tests. */
export interface Discard { readonly type: "discard" }
export interface Discarded { readonly type: "discarded"; readonly bytes: number }
// Sync (src/sync/README.md): the pusher offers entries, the peer answers per entry; content
// travels as put bodies (pusher → peer) or get streams (peer → pusher). The payloads they carry,
// offered items and answers, are read in sync-payloads.ts.
export interface Offer { readonly type: "offer"; readonly entries: readonly OfferItem[]; readonly dryRun: boolean }
export interface OfferReply { readonly type: "offer-reply"; readonly answers: readonly { readonly path: LogicalPath; readonly answer: Answer }[] }
/** Asks for the librsync signature of the peer's current file: signature-reply, then data frames. */
export interface SignatureRequest { readonly type: "signature"; readonly path: LogicalPath }
export interface SignatureReply { readonly type: "signature-reply"; readonly hash: string; readonly size: number }
/** A version with its content as the body: whole bytes, or a delta against `basisHash`. */
/** `offset` (whole only): the body starts at that byte; the receiver has the bytes before it in its partial file (sync/partial.ts). */
export interface Put { readonly type: "put"; readonly path: LogicalPath; readonly entry: EntryState; readonly forced: boolean; readonly encoding: "whole" | "delta"; readonly basisHash?: string; readonly offset?: number }
/** How many bytes of content `hash` the peer kept from an interrupted put of `path` (sync/partial.ts). */
export interface PartialRequest { readonly type: "partial"; readonly path: LogicalPath; readonly hash: string }
export interface PartialReply { readonly type: "partial-reply"; readonly offset: number }
export interface PutReply { readonly type: "put-reply"; readonly answer: Answer }
/**
 * Several small whole files in one request: the body is their bytes concatenated in item order,
 * each exactly `entry.size` bytes (every entry is a file; paths are distinct). Answered with one
 * answer per item, in the same order, after the peer committed the batch.
 */
export interface PutBatch { readonly type: "put-batch"; readonly items: readonly OfferItem[] }
export interface PutBatchReply { readonly type: "put-batch-reply"; readonly answers: readonly { readonly path: LogicalPath; readonly answer: Answer }[] }
/** Asks for the peer's version of a path: get-reply, then the file's bytes as data frames. */
export interface Get { readonly type: "get"; readonly path: LogicalPath }
export interface GetReply { readonly type: "get-reply"; readonly entry: EntryState }
/** The pusher is done with this batch: the peer runs the actions the batch triggered. */
export interface BatchEnd { readonly type: "batch-end" }
export interface BatchEndReply { readonly type: "batch-end-reply"; readonly ran: number; readonly failed: number }
/**
 * Read-only: the peer's indexed entries of the session's group (tombstones included), at or below
 * `path` when given, after the peer re-checked that part of its own disk. Answered with
 * list-reply messages of up to MAX_LIST_ENTRIES entries each, then end (peersync test, csync2 -T).
 */
export interface ListRequest { readonly type: "list"; readonly path?: LogicalPath }
export interface ListItem { readonly path: LogicalPath; readonly entry: EntryState }
export interface ListReply { readonly type: "list-reply"; readonly entries: readonly ListItem[] }
// Streams: bulk bytes of a request body or reply, then end.
export interface Data { readonly type: "data"; readonly bytes: Buffer }
export interface End { readonly type: "end" }
/**
 * Ends a request's body early, in place of `end` (client to server, protocol 1.2): the bytes
 * sent are not what the request announced, and `message` says why (a file that changed while
 * it was being sent). The server answers the request; the session carries on.
 */
export interface Abort { readonly type: "abort"; readonly message: string }

export type Message =
  | Hello | HelloAck | Proof | ErrorMessage | Bye
  | Ping | Pong | StatusRequest | StatusReply | Stat | Discard | Discarded
  | Offer | OfferReply | SignatureRequest | SignatureReply | Put | PutReply | PutBatch | PutBatchReply | Get | GetReply | BatchEnd | BatchEndReply | PartialRequest | PartialReply
  | ListRequest | ListReply
  | Data | End | Abort;
export type MessageType = Message["type"];
/** What a client may ask (role "request"); the handler's onRequest receives one of these. */
export type Request = Ping | StatusRequest | Stat | Discard | Offer | SignatureRequest | Put | PutBatch | Get | BatchEnd | ListRequest | PartialRequest;
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/**
 * Where a message may appear: "setup" on stream 0 before authentication, "session" on stream 0
 * afterwards, "request" from client to server on a new id, "reply" from server on that id,
 * "stream" (data/end) in either direction on a request's id.
 */
export type Role = "setup" | "session" | "request" | "reply" | "stream";

interface Spec<M extends Message> {
  readonly kind: number;
  readonly role: Role;
  /** Requests only: data frames and an end follow the request on its id. */
  readonly hasBody?: boolean;
  readonly decode: (body: Buffer, maxControlBytes: number) => M;
  /** The JSON form of the fields, when they hold entries or vectors (the rest are JSON as is). */
  toJson?(msg: M): object;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function parseJson(body: Buffer, maxControlBytes: number): Fields {
  if (body.length > maxControlBytes) {
    throw new ProtocolError(`Cannot decode message: control body of ${body.length} bytes exceeds ${maxControlBytes}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(body));
  } catch (err) {
    throw new ProtocolError("Cannot decode message: body is not valid UTF-8 JSON", { cause: err });
  }
  return record(value, "body");
}

/** A spec whose body is a JSON object checked by `check`. */
function json<M extends Message>(kind: number, role: Role, check: (o: Fields) => M, hasBody = false, toJson?: (msg: M) => object): Spec<M> {
  return { kind, role, hasBody, decode: (body, max) => check(parseJson(body, max)), ...(toJson ? { toJson } : {}) };
}

/** Most entries one offer (and so one offer-reply) may carry. */
export const MAX_OFFER_ENTRIES = 512;
/** Most entries one list-reply carries (a longer list is several replies). */
export const MAX_LIST_ENTRIES = 200;

/** The optional wall clock of a hello or hello-ack. */
function clockOf(o: Fields): { clockMs?: number } {
  return o["clockMs"] === undefined ? {} : { clockMs: uint(o, "clockMs") };
}

function version(v: unknown, at: string): Version {
  if (!Array.isArray(v) || v.length !== 2) throw new ProtocolError(`Cannot decode message: field "${at}" must be [major, minor]`);
  const o = { major: v[0], minor: v[1] };
  return [uint(o, "major", 0xffff), uint(o, "minor", 0xffff)];
}

const SPECS: { readonly [T in MessageType]: Spec<MessageOf<T>> } = {
  hello: json(0x01, "setup", (o) => ({
    type: "hello", versions: list(o, "versions", 16, version), node: name(o, "node"), group: name(o, "group"),
    to: name(o, "to"), software: text(o, "software", 100), ...clockOf(o),
  })),
  "hello-ack": json(0x02, "setup", (o) => ({
    type: "hello-ack", version: version(o["version"], "version"), node: name(o, "node"), software: text(o, "software", 100), ...clockOf(o),
  })),
  proof: json(0x03, "setup", (o) => ({ type: "proof", mac: bytes(o, "mac", PROOF_BYTES) })),
  error: json(0x04, "session", (o) => {
    const hint = optionalText(o, "hint", 1000);
    const base = { type: "error" as const, code: name(o, "code"), message: text(o, "message", 4000) };
    return hint === undefined ? base : { ...base, hint };
  }),
  bye: json(0x05, "session", () => ({ type: "bye" })),
  ping: json(0x10, "request", () => ({ type: "ping" })),
  pong: json(0x11, "reply", () => ({ type: "pong" })),
  status: json(0x12, "request", () => ({ type: "status" })),
  "status-reply": json(0x13, "reply", (o) => ({
    type: "status-reply", node: name(o, "node"), group: name(o, "group"), version: version(o["version"], "version"),
    software: text(o, "software", 100), uptimeS: uint(o, "uptimeS"), sessions: uint(o, "sessions"), draining: bool(o, "draining"),
  })),
  stat: json(0x14, "request", (o) => ({ type: "stat", path: path(o, "path") })),
  discard: json(0x15, "request", () => ({ type: "discard" }), true),
  discarded: json(0x16, "reply", (o) => ({ type: "discarded", bytes: uint(o, "bytes") })),
  offer: json(0x30, "request", (o) => ({ type: "offer", entries: list(o, "entries", MAX_OFFER_ENTRIES, offerItem), dryRun: bool(o, "dryRun") }), false,
    (m) => ({ dryRun: m.dryRun, entries: m.entries.map((e) => ({ path: e.path, entry: entryToWire(e.entry), forced: e.forced })) })),
  "offer-reply": json(0x31, "reply", (o) => ({ type: "offer-reply", answers: answerList(o, "answers", MAX_OFFER_ENTRIES) }), false, (m) => ({ answers: m.answers.map((a) => ({ path: a.path, answer: answerToJson(a.answer) })) })),
  signature: json(0x32, "request", (o) => ({ type: "signature", path: path(o, "path") })),
  "signature-reply": json(0x33, "reply", (o) => ({ type: "signature-reply", hash: hash(o, "hash"), size: uint(o, "size") })),
  put: json(0x34, "request", (o) => {
    const basisHash = o["basisHash"] === undefined ? undefined : hash(o, "basisHash");
    const offset = o["offset"] === undefined ? undefined : uint(o, "offset");
    const base = {
      type: "put" as const, path: path(o, "path"), entry: entryFromWire(o["entry"]), forced: bool(o, "forced"),
      encoding: oneOf(o, "encoding", ["whole", "delta"] as const),
    };
    return { ...base, ...(basisHash === undefined ? {} : { basisHash }), ...(offset === undefined ? {} : { offset }) };
  }, true, (m) => ({ ...m, type: undefined, entry: entryToWire(m.entry) })),
  "put-reply": json(0x35, "reply", (o) => ({ type: "put-reply", answer: answer(o["answer"]) }), false, (m) => ({ answer: answerToJson(m.answer) })),
  "put-batch": json(0x3c, "request", (o) => ({ type: "put-batch", items: putBatchItems(o) }), true,
    (m) => ({ items: m.items.map((e) => ({ path: e.path, entry: entryToWire(e.entry), forced: e.forced })) })),
  "put-batch-reply": json(0x3d, "reply", (o) => ({ type: "put-batch-reply", answers: answerList(o, "answers", MAX_PUT_BATCH_ITEMS) }), false,
    (m) => ({ answers: m.answers.map((a) => ({ path: a.path, answer: answerToJson(a.answer) })) })),
  get: json(0x36, "request", (o) => ({ type: "get", path: path(o, "path") })),
  "get-reply": json(0x37, "reply", (o) => ({ type: "get-reply", entry: entryFromWire(o["entry"]) }), false, (m) => ({ entry: entryToWire(m.entry) })),
  "batch-end": json(0x38, "request", () => ({ type: "batch-end" })),
  "batch-end-reply": json(0x39, "reply", (o) => ({ type: "batch-end-reply", ran: uint(o, "ran"), failed: uint(o, "failed") })),
  list: json(0x3a, "request", (o) => {
    const at = o["path"] === undefined ? undefined : path(o, "path");
    return at === undefined ? { type: "list" } : { type: "list", path: at };
  }),
  "list-reply": json(0x3b, "reply", (o) => ({
    type: "list-reply",
    entries: list(o, "entries", MAX_LIST_ENTRIES, (v, at) => {
      const e = record(v, at);
      return { path: path(e, "path"), entry: entryFromWire(e["entry"]) };
    }),
  }), false, (m) => ({ entries: m.entries.map((e) => ({ path: e.path, entry: entryToWire(e.entry) })) })),
  partial: json(0x3e, "request", (o) => ({ type: "partial", path: path(o, "path"), hash: hash(o, "hash") })),
  "partial-reply": json(0x3f, "reply", (o) => ({ type: "partial-reply", offset: uint(o, "offset") })),
  data: { kind: 0x20, role: "stream", decode: (body) => ({ type: "data", bytes: body }) },
  end: json(0x21, "stream", () => ({ type: "end" })),
  abort: json(0x22, "stream", (o) => ({ type: "abort", message: text(o, "message", 4000) })),
};

const BY_KIND = new Map<number, { type: MessageType; spec: Spec<Message> }>();
for (const [type, spec] of Object.entries(SPECS) as [MessageType, Spec<Message>][]) {
  if (BY_KIND.has(spec.kind)) throw new Error(`messages.ts: kind ${spec.kind} used twice`);
  BY_KIND.set(spec.kind, { type, spec });
}

/**
 * Validates a frame body of kind `kind` and returns the typed message, or throws ProtocolError.
 * The only function that turns peer bytes into a Message.
 */
export function decodeMessage(kind: number, body: Buffer, maxControlBytes = DEFAULT_LIMITS.maxControlBytes): Message {
  const entry = BY_KIND.get(kind);
  if (entry === undefined) throw new ProtocolError(`Cannot decode message: unknown kind 0x${kind.toString(16)}`);
  return entry.spec.decode(body, maxControlBytes);
}

/** Role of a message type (where it may appear). */
export function roleOf(type: MessageType): Role {
  return SPECS[type].role;
}

/** True for requests followed by a body stream (data frames, end). */
export function hasBody(type: MessageType): boolean {
  return SPECS[type].hasBody === true;
}

// Buffers inside control messages travel as base64; `this[key]` is the value before toJSON().
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return Buffer.isBuffer(raw) ? raw.toString("base64") : value;
}

/** The frame kind and body for `msg`; data bodies are passed through without a copy. */
export function encodeMessage(msg: Message, maxControlBytes = DEFAULT_LIMITS.maxControlBytes): { kind: number; body: Buffer } {
  const spec = SPECS[msg.type];
  if (msg.type === "data") return { kind: spec.kind, body: msg.bytes };
  const { type: _type, ...plain } = msg;
  const toJson = spec.toJson as ((m: Message) => object) | undefined;
  const fields = toJson ? toJson(msg) : plain;
  const body = Buffer.from(JSON.stringify(fields, replacer));
  if (body.length > maxControlBytes) throw new RangeError(`Cannot encode ${msg.type}: ${body.length} bytes exceeds ${maxControlBytes}`);
  return { kind: spec.kind, body };
}

/** The kind number of a message type (tests, the frame writer). */
export function kindOf(type: MessageType): number {
  return SPECS[type].kind;
}
