// Opens an authenticated client session to one host of one group: TCP, TLS 1.3, hello,
// proofs, pin. The whole setup is bounded by connectTimeoutMs, and every failure is a typed
// error (PeerError for the network, AuthError/ProtocolError for the setup) naming the host.

import { createRequire } from "node:module";
import type { TLSSocket } from "node:tls";
import { connectHint, TCP_TIMEOUT, TLS_TIMEOUT } from "../core/connect-failure.js";
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
      const code = (err as NodeJS.ErrnoException).code;
      const hint = connectHint(code, { host: host.name, address: host.address, port: host.port });
      reject(new PeerError(`Cannot connect to host "${host.name}" (${host.address}:${host.port}): ${messageOf(err)}`, {
        peer: host.name, remoteCode: code, cause: err, ...(hint !== undefined ? { hint } : {}),
      }));
    };
    // Out of time before TCP was up (a firewall that drops, a wrong address) or after (something
    // that is not peersync on the port, or a stuck daemon): the hint differs.
    const timer = setTimeout(() => {
      const ms = options.limits.connectTimeoutMs;
      fail(socket.connecting
        ? Object.assign(new Error(`no TCP connection within ${ms} ms`), { code: TCP_TIMEOUT })
        : Object.assign(new Error(`no TLS handshake within ${ms} ms`), { code: TLS_TIMEOUT }));
    }, options.limits.connectTimeoutMs);
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      socket.off("error", fail);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
