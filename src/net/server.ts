// Accepts peers: one TLS listener per address, a bounded number of connections, a deadline
// for TLS plus setup, then an authenticated Session dispatching to the SessionHandler. Every
// refusal is logged here with the remote address and the reason, and sent to the peer.

import { skewWarnMs, skewWarning } from "./handshake/clock.js";
import type { AddressInfo, Socket } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Logger } from "pino";
import { AuthError, PeerError, ProtocolError, PeersyncError, hintOf, messageOf, messageWithHint } from "../errors.js";
import type { Config } from "../config/types.js";
import type { PinStore } from "../index/pins.js";
import { Admission } from "./admission.js";
import { serverHandshake } from "./handshake/auth.js";
import type { Identity } from "./identity.js";
import type { Limits } from "./limits.js";
import type { SessionHandler } from "./serve.js";
import { Session } from "./session.js";
import { serverTlsOptions } from "./tls.js";
import { Wire } from "./wire.js";

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface PeerServerOptions {
  /** The config in force; read for every new connection, so a reload applies to new sessions. */
  readonly config: () => Config;
  readonly identity: Identity;
  readonly pins: PinStore;
  readonly handler: SessionHandler;
  readonly limits: Limits;
  readonly logger: Logger;
  /** @default Date.now */
  readonly now?: () => number;
  /** Called when any accepted connection has ended (served, refused or broken). */
  readonly onConnectionEnd?: () => void;
}

export class PeerServer {
  readonly #options: PeerServerOptions;
  readonly #servers: Server[] = [];
  readonly #sessions = new Set<Session>();
  readonly #setups = new Set<Wire>();
  readonly #sockets = new Set<Socket>();
  readonly #admission: Admission;

  constructor(options: PeerServerOptions) {
    this.#options = options;
    this.#admission = new Admission(options.limits.maxSessionsPerAddress, options.logger);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  get sessions(): readonly Session[] {
    return [...this.#sessions];
  }

  /** Where the listeners are bound (port 0 resolved). */
  addresses(): AddressInfo[] {
    return this.#servers.map((s) => s.address() as AddressInfo);
  }

  async listen(address: ListenAddress): Promise<AddressInfo> {
    const { limits, logger } = this.#options;
    const server = createServer(serverTlsOptions(this.#options.identity, limits));
    server.maxConnections = limits.maxSessions;
    server.on("drop", (d) => {
      this.#admission.refused(d?.remoteAddress ?? "?", remoteOf(d ?? {}), "refused connection: too many sessions", { max: limits.maxSessions });
    });
    server.on("tlsClientError", (err, socket) => {
      const why = tlsFailure(err);
      this.#admission.refused(socket.remoteAddress ?? "?", remoteOf(socket), `refused connection: TLS handshake failed: ${why}`, {
        code: (err as NodeJS.ErrnoException).code, err: why,
      });
    });
    server.on("connection", (socket: Socket) => {
      const address = socket.remoteAddress ?? "?";
      if (!this.#admission.admit(address)) {
        this.#admission.refused(address, remoteOf(socket), "refused connection: too many connections from this address", { max: limits.maxSessionsPerAddress });
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.once("close", () => {
        this.#sockets.delete(socket);
        this.#admission.release(address);
        this.#options.onConnectionEnd?.();
      });
    });
    server.on("secureConnection", (socket) => void this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: address.host, port: address.port, ipv6Only: false }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    // After the listen: a failure to listen is the caller's to report (once, with its cause).
    server.on("error", (err) => logger.error({ err: err.message }, "listener error"));
    this.#servers.push(server);
    const bound = server.address() as AddressInfo;
    logger.info({ address: bound.address, port: bound.port }, "listening");
    return bound;
  }

  /**
   * Closes the sessions the config no longer allows (host removed from its group, group gone,
   * key changed): after a reload, access ends at once, not when the peer next reconnects.
   */
  revoke(config: Config): number {
    let closed = 0;
    for (const session of this.#sessions) {
      const { group, host } = session.peer;
      const now = config.groups.find((g) => g.name === group.name);
      if (now && now.key === group.key && now.peers.some((h) => h.name === host.name)) continue;
      session.close(new AuthError(`Cannot keep session with "${host.name}": after a config reload it is no longer a host of group "${group.name}" with this key`));
      closed++;
    }
    return closed;
  }

  /** Stops listening, tells every session goodbye, lets requests in hand finish, closes. */
  async close(graceMs = this.#options.limits.shutdownGraceMs): Promise<void> {
    const closing = this.#servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const wire of this.#setups) wire.close(new ProtocolError("Cannot set up session: this node is shutting down"));
    await Promise.all([...this.#sessions].map((s) => s.drain(graceMs)));
    // What is left is mid-TLS-handshake or a peer that ignores our close: drop it, so that
    // shutdown never waits on a stranger.
    // Node counts a TLS connection until its raw socket is destroyed, which may never happen
    // by itself (and then close() never calls back): give peers a moment to close, then drop.
    const deadline = Date.now() + Math.min(graceMs, 500);
    while (this.#sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(closing);
  }

  async #accept(socket: TLSSocket): Promise<void> {
    const { limits, logger } = this.#options;
    const remote = remoteOf(socket);
    socket.setNoDelay(true);
    const wire = new Wire(socket, limits);
    this.#setups.add(wire);
    const timer = setTimeout(() => {
      wire.close(new ProtocolError(`Cannot set up session: no hello and proof within ${limits.handshakeTimeoutMs} ms`));
    }, limits.handshakeTimeoutMs);
    try {
      const peer = await serverHandshake(wire, { config: this.#options.config(), pins: this.#options.pins, now: this.#options.now ?? Date.now });
      if (wire.closed) return;
      const session = new Session(wire, peer, "server", this.#options.handler);
      this.#sessions.add(session);
      logger.info({ remote, peer: peer.host.name, group: peer.group.name, fingerprint: peer.fingerprint, pinned: peer.pinned, clockSkewMs: peer.clockSkewMs }, peer.pinned ? "session open (certificate pinned on first contact)" : "session open");
      const skewed = skewWarning(peer.host.name, peer.clockSkewMs, skewWarnMs());
      if (skewed) logger.warn({ peer: peer.host.name, group: peer.group.name, clockSkewMs: peer.clockSkewMs }, skewed);
      this.#options.handler.onOpen?.(session);
      void session.closed.then((reason) => {
        this.#sessions.delete(session);
        const fields = { remote, peer: peer.host.name, group: peer.group.name };
        if (!reason) return logger.info(fields, "session closed");
        // An idle session closed by either side is routine, not a warning.
        const level = isIdle(reason) ? "info" : "warn";
        logger[level]({ ...fields, code: codeOf(reason), err: reason.message }, `session closed: ${reason.message}`);
      });
    } catch (err) {
      const reason = err instanceof Error ? err : new ProtocolError(messageOf(err));
      wire.close(reason);
      // With the hint: the refusal's fix (a pin to reset, a host to add) belongs in this node's log too.
      const hint = hintOf(reason);
      this.#admission.refused(socket.remoteAddress ?? "?", remote, `refused peer: ${messageWithHint(reason)}`, {
        code: codeOf(reason), err: reason.message, ...(hint === undefined ? {} : { hint }),
      });
    } finally {
      clearTimeout(timer);
      this.#setups.delete(wire);
    }
  }
}

function remoteOf(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
}

// OpenSSL's messages carry file names and line numbers; the reason and what it likely means
// are what an operator can act on.
function tlsFailure(err: Error): string {
  const reason = (err as Error & { reason?: string }).reason ?? err.message;
  if (/wrong version number|http request|packet length too long|unknown protocol/i.test(reason)) {
    return `${reason} (not a TLS client: plain TCP, or csync2 without SSL?)`;
  }
  if (/unsupported protocol|version too low/i.test(reason)) return `${reason} (the client does not offer TLS 1.3)`;
  return reason;
}

function isIdle(err: Error): boolean {
  return codeOf(err) === "IDLE" || (err instanceof PeerError && err.remoteCode === "IDLE");
}

function codeOf(err: Error): string {
  return err instanceof PeersyncError ? err.code : ((err as NodeJS.ErrnoException).code ?? "ERROR");
}
