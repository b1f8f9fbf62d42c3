// The session setup after TLS, on stream 0:
//   client → hello {versions, node, group, to}     server checks group, membership, version
//   server → hello-ack {version, node}             client checks it reached the node it meant
//   client → proof (role client)                   server checks the group key, then the pin
//   server → proof (role server)                   client checks the group key, then the pin
// Any refusal is sent to the other side as an error frame (code AUTH or PROTOCOL) before the
// connection closes, so both logs say why. The server proves only after the client did, so a
// stranger learns nothing from it.

import { AuthError, PeerError, ProtocolError } from "../../errors.js";
import { readKeyNow } from "../../config/load.js";
import { keyMismatchAdvice } from "../../core/key-mismatch.js";
import type { Config, Group, Host } from "../../config/types.js";
import type { PinStore } from "../../index/pins.js";
import { decodeMessage, PROTOCOL_MAJOR, PROTOCOL_MINOR, type Message, type MessageOf, type Version } from "../messages.js";
import { connectionSecret, peerCertificateDer } from "../tls.js";
import type { Wire } from "../wire.js";
import { measureSkew, recordSkew } from "./clock.js";
import { checkPin } from "./pin.js";
import { computeProof, proofMatches, type ProofInput } from "./proof.js";

export const SOFTWARE = "peersync/0.1";
export const SUPPORTED_VERSIONS: readonly Version[] = [[PROTOCOL_MAJOR, PROTOCOL_MINOR]];

/** Who is on the other end of an authenticated session. */
export interface PeerIdentity {
  readonly group: Group;
  readonly host: Host;
  /** The local node's name in that group. */
  readonly localName: string;
  readonly version: Version;
  readonly fingerprint: string;
  /** True when this contact pinned the peer's certificate. */
  readonly pinned: boolean;
  /** The peer's wall clock minus ours, from the hello (clock.ts); undefined for a peer that sends none. */
  readonly clockSkewMs?: number;
}

export interface ServerAuthOptions {
  readonly config: Config;
  readonly pins: PinStore;
  readonly now: () => number;
  /** A key file's key as it is now (undefined: unreadable), to tell a stale key from a different one. @default readKeyNow */
  readonly keyOnDisk?: (file: string) => string | undefined;
}

export async function serverHandshake(wire: Wire, options: ServerAuthOptions): Promise<PeerIdentity> {
  const hello = await expect(wire, "hello");
  const skew = measureSkew(hello.clockMs, options.now());
  const version = negotiate(hello.versions, hello.node);
  const group = options.config.groups.find((g) => g.name === hello.group);
  if (group === undefined) throw new AuthError(`Cannot accept node "${hello.node}": this node is not a member of group "${hello.group}"`);
  const host = group.peers.find((h) => h.name === hello.node);
  if (host === undefined) {
    throw new AuthError(`Cannot accept node "${hello.node}": it is not a host of group "${group.name}" in this node's config`, {
      hint: `add "host ${hello.node}" to group "${group.name}" on both nodes`,
    });
  }
  if (hello.to !== group.local.name) {
    throw new AuthError(`Cannot accept node "${hello.node}": it asked for node "${hello.to}", this is "${group.local.name}"`);
  }
  wire.send(0, { type: "hello-ack", version, node: group.local.name, software: SOFTWARE, clockMs: options.now() });
  const input = proofInput(wire, group, hello.node, group.local.name, version);
  const proof = await expect(wire, "proof");
  if (!proofMatches(computeProof(group.key, { ...input, role: "client" }), proof.mac)) {
    throw keyMismatch(`Cannot accept node "${hello.node}" for group "${group.name}": its group-key proof does not match`, group, options.keyOnDisk);
  }
  const pin = checkPeerPin(wire, options, host, group);
  wire.send(0, { type: "proof", mac: computeProof(group.key, { ...input, role: "server" }) });
  return withClock(options, { group, host, localName: group.local.name, version, fingerprint: pin.fingerprint, pinned: pin.pinned }, skew);
}

export interface ClientAuthOptions {
  readonly group: Group;
  readonly host: Host;
  readonly pins: PinStore;
  readonly now: () => number;
  /** As in ServerAuthOptions. @default readKeyNow */
  readonly keyOnDisk?: (file: string) => string | undefined;
}

export async function clientHandshake(wire: Wire, options: ClientAuthOptions): Promise<PeerIdentity> {
  const { group, host } = options;
  const sent = options.now();
  wire.send(0, { type: "hello", versions: SUPPORTED_VERSIONS, node: group.local.name, group: group.name, to: host.name, software: SOFTWARE, clockMs: sent });
  const ack = await expect(wire, "hello-ack");
  const skew = measureSkew(ack.clockMs, options.now(), sent);
  const version = negotiate([ack.version], ack.node);
  if (ack.node !== host.name) {
    throw new AuthError(`Cannot use ${host.address}:${host.port} as host "${host.name}": it says it is node "${ack.node}"`);
  }
  const input = proofInput(wire, group, group.local.name, host.name, version);
  wire.send(0, { type: "proof", mac: computeProof(group.key, { ...input, role: "client" }) });
  const proof = await expect(wire, "proof").catch((err: unknown) => {
    throw err instanceof AuthError ? staleOwnKey(err, group, options.keyOnDisk) : err;
  });
  if (!proofMatches(computeProof(group.key, { ...input, role: "server" }), proof.mac)) {
    throw keyMismatch(`Cannot trust host "${host.name}" for group "${group.name}": its group-key proof does not match`, group, options.keyOnDisk);
  }
  const pin = checkPeerPin(wire, options, host, group);
  return withClock(options, { group, host, localName: group.local.name, version, fingerprint: pin.fingerprint, pinned: pin.pinned }, skew);
}

/** A proof that did not match, with what the held key and the key file now say (core/key-mismatch.ts). */
function keyMismatch(message: string, group: Group, read: (file: string) => string | undefined = readKeyNow): AuthError {
  const advice = keyMismatchAdvice({ node: group.local.name, group: group.name, keyFile: group.keyFile, heldKey: group.key, keyOnDisk: read(group.keyFile) });
  return new AuthError(advice.note === undefined ? message : `${message}: ${advice.note}`, { hint: advice.hint });
}

/**
 * The peer refused our proof (or our pin): when this process holds a key older than its key file
 * (a daemon pushing after a rotation, not reloaded), that is the cause to name, not the peer.
 */
function staleOwnKey(refusal: AuthError, group: Group, read: (file: string) => string | undefined = readKeyNow): AuthError {
  const advice = keyMismatchAdvice({ node: group.local.name, group: group.name, keyFile: group.keyFile, heldKey: group.key, keyOnDisk: read(group.keyFile) });
  if (advice.note === undefined) return refusal;
  return new AuthError(`${refusal.message}: ${advice.note}`, { hint: advice.hint, cause: refusal });
}

/** An authenticated peer's clock skew, recorded in the index for `peersync status`. */
function withClock(options: { pins: PinStore; now: () => number }, peer: PeerIdentity, skewMs: number | undefined): PeerIdentity {
  if (skewMs === undefined) return peer;
  recordSkew(options.pins.db, { group: peer.group.name, peer: peer.host.name, skewMs, atMs: options.now() });
  return { ...peer, clockSkewMs: skewMs };
}

/** The version both speak: the highest common major, the lower minor; else a clear refusal. */
export function negotiate(offered: readonly Version[], peer: string): Version {
  const ours = new Map(SUPPORTED_VERSIONS.map(([major, minor]) => [major, minor]));
  const common = offered.filter(([major]) => ours.has(major)).sort((a, b) => b[0] - a[0])[0];
  if (common === undefined) {
    const theirs = offered.map(([a, b]) => `${a}.${b}`).join(", ") || "none";
    const mine = SUPPORTED_VERSIONS.map(([a, b]) => `${a}.${b}`).join(", ");
    throw new ProtocolError(`Cannot talk to node "${peer}": it speaks protocol ${theirs}, this node speaks ${mine}`, {
      hint: "run the same major version of peersync on every node of a group",
    });
  }
  return [common[0], Math.min(common[1], ours.get(common[0])!)];
}

function proofInput(wire: Wire, group: Group, client: string, server: string, version: Version): Omit<ProofInput, "role"> {
  return { group: group.name, client, server, version, secret: connectionSecret(wire.socket) };
}

function checkPeerPin(wire: Wire, options: { pins: PinStore; now: () => number }, host: Host, group: Group) {
  const der = peerCertificateDer(wire.socket);
  if (der === undefined) throw new AuthError(`Cannot trust host "${host.name}": it presented no certificate`);
  return checkPin(options.pins, host.name, group.name, der, options.now(), group.local.name);
}

/** The next setup message, which must be of type `type`; an error frame becomes a thrown error. */
async function expect<T extends Message["type"]>(wire: Wire, type: T): Promise<MessageOf<T>> {
  const msg = await nextMessage(wire);
  if (msg.type === type) return msg as MessageOf<T>;
  if (msg.type === "error") throw remoteError(msg);
  throw new ProtocolError(`Cannot set up session: expected ${type}, received ${msg.type}`);
}

function remoteError(msg: MessageOf<"error">): Error {
  const text = `Refused by peer: ${msg.message}`;
  const hint = msg.hint === undefined ? {} : { hint: msg.hint };
  if (msg.code === "AUTH") return new AuthError(text, hint);
  if (msg.code === "PROTOCOL") return new ProtocolError(text, hint);
  return new PeerError(text, { peer: "?", remoteCode: msg.code, ...hint });
}

function nextMessage(wire: Wire): Promise<Message> {
  return new Promise((resolve, reject) => {
    let taken = false;
    const unsubscribe = wire.onClose((reason) => {
      if (!taken) reject(reason ?? new ProtocolError("Cannot set up session: the peer closed the connection"));
    });
    wire.setSink({
      ready: () => !taken,
      frame: (frame) => {
        taken = true;
        unsubscribe();
        wire.setSink(undefined);
        if (frame.id !== 0) return reject(new ProtocolError(`Cannot set up session: frame on stream ${frame.id} before authentication`));
        try {
          resolve(decodeMessage(frame.kind, frame.body, wire.limits.maxControlBytes));
        } catch (err) {
          reject(err);
        }
      },
    });
  });
}
