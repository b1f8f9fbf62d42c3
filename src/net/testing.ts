// Hand-built configs and in-process node pairs for the unit tests of net/ (and the bench).
// Real daemons built from config files live in test/helpers/daemon.ts.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import pino, { type Logger } from "pino";
import type { Config, Group, Host } from "../config/types.js";
import { removeAfterTest } from "../fs/testing.js";
import { openIndex } from "../index/database.js";
import { PinStore } from "../index/pins.js";
import { BasicHandler } from "./basic-handler.js";
import { FrameDecoder, encodeFrame } from "./frame.js";
import { computeProof } from "./handshake/proof.js";
import { PROTOCOL_MAJOR, PROTOCOL_MINOR, decodeMessage, encodeMessage, type Message } from "./messages.js";
import { connectionSecret } from "./tls.js";
import { identityPath, loadOrCreateIdentity, makeIdentityPemAsync, type Identity } from "./identity.js";
import { resolveLimits, type Limits } from "./limits.js";
import type { SessionHandler } from "./serve.js";
import { PeerServer } from "./server.js";

export const TEST_KEY = "testkey.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU";

const at = { file: "test.cfg", line: 1, column: 1 };

export function makeHost(name: string, port = 0, address = "127.0.0.1"): Host {
  return { name, address, port, receiveOnly: false, leftOfLocal: false, at };
}

/** A group seen from `local`: `hosts` lists every member (local included), each `name[:port]`. */
export function makeGroup(name: string, local: string, hosts: readonly Host[], key = TEST_KEY): Group {
  const me = hosts.find((h) => h.name === local) ?? makeHost(local);
  return {
    name, local: me, peers: hosts.filter((h) => h.name !== local), keyFile: "/dev/null", key,
    include: [], exclude: [], compare: [], rules: "[]", roots: [], match: () => "ignore", auto: "none",
    backupDirectory: undefined, backupGenerations: 3, maxDelete: undefined, actions: [],
    watch: false, debounceMs: 1000, rescanIntervalMs: 3_600_000, at,
  };
}

export function makeConfig(localName: string, stateDir: string, groups: readonly Group[], port = 0): Config {
  return {
    file: "test.cfg", localName, stateDir, port, groups, prefixes: new Map(),
    ignore: { uid: false, gid: false, mod: false }, tempdir: undefined, lockTimeoutS: 12, nossl: [],
    toLocalPath: (p) => p, toLogicalPath: (p) => p,
  };
}

/** A fresh state dir, removed after the test (or test file) that made it. */
export function tempStateDir(label = "node"): string {
  return removeAfterTest(mkdtempSync(join(tmpdir(), `peersync-${label}-`)));
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** A logger that keeps its records, for "the reason is logged" assertions. */
export function captureLogger(): { logger: Logger; records: Record<string, unknown>[]; text: () => string } {
  const records: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records, text: () => records.map((r) => JSON.stringify(r)).join("\n") };
}

/** A node in this process: its identity, pins and (when started) server. */
export interface TestNode {
  readonly name: string;
  readonly stateDir: string;
  readonly identity: Identity;
  readonly pins: PinStore;
  readonly limits: Limits;
  server?: PeerServer;
  config: Config;
}

// Identities by node name: RSA key generation costs ~0.3 s, so tests reuse one per name
// unless they ask for a fresh one (a "reinstalled" node).
const identities = new Map<string, string>();

/** Makes the identities of `names` in parallel (libuv threads) so makeNode() finds them ready. */
export async function prepareIdentities(names: readonly string[]): Promise<void> {
  const todo = names.filter((n) => !identities.has(n));
  const pems = await Promise.all(todo.map(() => makeIdentityPemAsync()));
  todo.forEach((n, i) => identities.set(n, pems[i]!));
}

export function makeNode(name: string, limits: Partial<Limits> = {}, options: { freshIdentity?: boolean } = {}): Omit<TestNode, "config"> {
  const stateDir = tempStateDir(name);
  const cached = options.freshIdentity ? undefined : identities.get(name);
  if (cached !== undefined) writeFileSync(identityPath(stateDir), cached, { mode: 0o600 });
  else if (!options.freshIdentity) identities.set(name, readFileSync(identityPath((loadOrCreateIdentity(stateDir), stateDir)), "utf8"));
  return { name, stateDir, identity: loadOrCreateIdentity(stateDir), pins: new PinStore(openIndex(stateDir)), limits: resolveLimits(limits) };
}

/** Starts a server for `node` on 127.0.0.1 (port 0), returns its port. */
export async function serve(node: TestNode, options: { handler?: SessionHandler; logger?: Logger } = {}): Promise<number> {
  const server: PeerServer = new PeerServer({
    config: () => node.config, identity: node.identity, pins: node.pins, limits: node.limits, logger: options.logger ?? silentLogger(),
    handler: options.handler ?? new BasicHandler({ startedAt: Date.now(), sessionCount: (): number => server.sessionCount, draining: () => false }),
  });
  node.server = server;
  return (await server.listen({ host: "127.0.0.1", port: 0 })).port;
}

/** A TLS connection with no protocol on top, for tests that misbehave on purpose. */
export function rawTls(port: number, identity: Identity | undefined, options: { maxVersion?: "TLSv1.2" | "TLSv1.3"; minVersion?: "TLSv1.2" | "TLSv1.3" } = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1", port, rejectUnauthorized: false, checkServerIdentity: () => undefined,
      minVersion: options.minVersion ?? "TLSv1.3", maxVersion: options.maxVersion ?? "TLSv1.3",
      ...(identity ? { key: identity.keyPem, cert: identity.certPem } : {}),
    });
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Reads whole messages from a raw socket (tests only; no limits beyond the decoder's). */
export class MessageReader {
  readonly #decoder = new FrameDecoder(1 << 20);
  readonly #queue: { id: number; msg: Message }[] = [];
  readonly #waiters: ((v: { id: number; msg: Message } | undefined) => void)[] = [];
  #ended = false;

  constructor(socket: TLSSocket) {
    socket.on("data", (chunk: Buffer) => {
      this.#decoder.push(chunk);
      for (let f = this.#decoder.next(); f; f = this.#decoder.next()) this.#deliver({ id: f.id, msg: decodeMessage(f.kind, f.body) });
    });
    const end = (): void => {
      this.#ended = true;
      for (const w of this.#waiters.splice(0)) w(undefined);
    };
    socket.on("close", end).on("end", end).on("error", end);
  }

  /** The next message, or undefined once the connection ended. */
  next(timeoutMs = 5_000): Promise<{ id: number; msg: Message } | undefined> {
    const item = this.#queue.shift();
    if (item || this.#ended) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push((v) => (clearTimeout(timer), resolve(v)));
    });
  }

  #deliver(item: { id: number; msg: Message }): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#queue.push(item);
  }
}

export function sendRaw(socket: TLSSocket, id: number, msg: Message): void {
  const { kind, body } = encodeMessage(msg);
  socket.write(encodeFrame(kind, id, body));
}

/**
 * Runs the client side of the setup by hand: hello, then `proof` (default: the correct one for
 * this connection). Returns the proof sent and what the server answered.
 */
export async function rawSetup(socket: TLSSocket, setup: { group: string; client: string; server: string; key: string; proof?: Buffer }) {
  const reader = new MessageReader(socket);
  sendRaw(socket, 0, { type: "hello", versions: [[PROTOCOL_MAJOR, PROTOCOL_MINOR]], node: setup.client, group: setup.group, to: setup.server, software: "test" });
  const ack = await reader.next();
  if (ack?.msg.type !== "hello-ack") return { reader, proof: undefined, answer: ack?.msg };
  const proof = setup.proof ?? computeProof(setup.key, {
    role: "client", group: setup.group, client: setup.client, server: setup.server, version: ack.msg.version, secret: connectionSecret(socket),
  });
  sendRaw(socket, 0, { type: "proof", mac: proof });
  return { reader, proof, answer: (await reader.next())?.msg };
}
