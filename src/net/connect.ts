// Opens an authenticated client session to one host of one group: TCP, TLS 1.3, hello,
// proofs, pin. The whole setup is bounded by connectTimeoutMs, and every failure is a typed
// error (PeerError for the network, AuthError/ProtocolError for the setup) naming the host.

import { createRequire } from "node:module";
import type { TLSSocket } from "node:tls";
import { PeerError, PeersyncError, messageOf } from "../errors.js";
import type { Group, Host } from "../config/types.js";
import type { PinStore } from "../index/pins.js";
import { clientHandshake } from "./handshake/auth.js";
import type { Identity } from "./identity.js";
import type { Limits } from "./limits.js";
import { Session } from "./session.js";
import { clientTlsOptions } from "./tls.js";
import { Wire } from "./wire.js";

export interface ConnectOptions {
  readonly identity: Identity;
  readonly pins: PinStore;
  readonly limits: Limits;
  /** @default Date.now */
  readonly now?: () => number;
}

export async function connectSession(group: Group, host: Host, options: ConnectOptions): Promise<Session> {
  const socket = await openTls(host, options);
  const wire = new Wire(socket, options.limits);
  const timer = setTimeout(() => {
    wire.close(new PeerError(`Cannot set up session with host "${host.name}": no answer within ${options.limits.connectTimeoutMs} ms`, { peer: host.name, remoteCode: "TIMEOUT" }));
  }, options.limits.connectTimeoutMs);
  try {
    const peer = await clientHandshake(wire, { group, host, pins: options.pins, now: options.now ?? Date.now });
    return new Session(wire, peer, "client");
  } catch (err) {
    // Tell the server why we refuse it (a changed certificate, a bad proof) so its log says so.
    wire.close(err instanceof Error ? err : new PeerError(messageOf(err), { peer: host.name }));
    throw err instanceof PeersyncError ? err : new PeerError(`Cannot set up session with host "${host.name}": ${messageOf(err)}`, { peer: host.name, cause: err });
  } finally {
    clearTimeout(timer);
  }
}

// node:tls on first use: loading it costs ~3 ms of every command that imports this module,
// most of which (a sync with nothing pending, a check) never connect.
let tls: typeof import("node:tls") | undefined;

function openTls(host: Host, options: ConnectOptions): Promise<TLSSocket> {
  tls ??= createRequire(import.meta.url)("node:tls") as typeof import("node:tls");
  const tlsConnect = tls.connect;
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(clientTlsOptions(options.identity, host.address, host.port));
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new PeerError(`Cannot connect to host "${host.name}" (${host.address}:${host.port}): ${messageOf(err)}`, {
        peer: host.name, remoteCode: (err as NodeJS.ErrnoException).code, cause: err,
      }));
    };
    const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${options.limits.connectTimeoutMs} ms`)), options.limits.connectTimeoutMs);
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      socket.off("error", fail);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
