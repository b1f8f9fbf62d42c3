// The serving loop of `peersync daemon` / `-ii`: load the identity and the index, listen on
// the local host's address and port of every group (one listener per distinct address), serve
// peers through a SessionHandler, reload the config on SIGHUP, and on SIGTERM/SIGINT stop
// accepting, finish the requests in hand, close the sessions and resolve with exit code 0.
// Sync logic stays out: the sync engine passes its handler in.

import { isIP } from "node:net";
import type { Logger } from "pino";
import { messageOf } from "../errors.js";
import type { Config } from "../config/types.js";
import { openIndex, type Db } from "../index/database.js";
import { PinStore } from "../index/pins.js";
import { BasicHandler } from "../net/basic-handler.js";
import { loadOrCreateIdentity, type Identity } from "../net/identity.js";
import { resolveLimits, type Limits } from "../net/limits.js";
import type { SessionHandler } from "../net/serve.js";
import { PeerServer, type ListenAddress } from "../net/server.js";
import { createSyncHandler } from "./service.js";
import { sweepTemps } from "./sweep.js";

export interface DaemonOptions {
  /** Reads the config; called at start and on every reload. */
  readonly loadConfig: () => Config;
  readonly logger: Logger;
  readonly limits?: Partial<Limits>;
  /** Serves authenticated requests; @default the sync engine (sync/service.ts), which hands ping, status and discard to BasicHandler. */
  readonly handler?: (deps: { db: Db; identity: Identity; config: () => Config }) => SessionHandler;
  /** Serve one connection, then stop (csync2 -iii, for debugging). @default false */
  readonly once?: boolean;
}

/** Where to listen: each group's local host entry; an IP address as is, a name → all interfaces. */
export function listenAddresses(config: Config): ListenAddress[] {
  const wanted = config.groups.map((g) => ({ host: isIP(g.local.address) ? g.local.address : "::", port: g.local.port }));
  if (wanted.length === 0) wanted.push({ host: "::", port: config.port });
  const wildcardPorts = new Set(wanted.filter((a) => a.host === "::").map((a) => a.port));
  const out = new Map<string, ListenAddress>();
  // The wildcard listener of a port already covers every specific address on that port.
  for (const a of wanted) if (a.host === "::" || !wildcardPorts.has(a.port)) out.set(`${a.host}|${a.port}`, a);
  return [...out.values()];
}

export class Daemon {
  readonly #options: DaemonOptions;
  readonly #limits: Limits;
  #config: Config;
  #db: Db | undefined;
  #server: PeerServer | undefined;
  #stopping: Promise<void> | undefined;
  #resolveStopped!: () => void;
  readonly #stoppedPromise = new Promise<void>((resolve) => (this.#resolveStopped = resolve));

  constructor(options: DaemonOptions) {
    this.#options = options;
    this.#limits = resolveLimits(options.limits);
    this.#config = options.loadConfig();
  }

  get config(): Config {
    return this.#config;
  }

  get server(): PeerServer | undefined {
    return this.#server;
  }

  async start(): Promise<void> {
    const { logger } = this.#options;
    const config = this.#config;
    const identity = loadOrCreateIdentity(config.stateDir);
    const db = (this.#db = openIndex(config.stateDir));
    const swept = await sweepTemps(config);
    if (swept.length > 0) logger.warn({ files: swept.length }, `removed ${swept.length} temp file(s) a crashed writer left`);
    const startedAt = Date.now();
    const deps = { db, identity, config: () => this.#config };
    const basic = new BasicHandler({
      startedAt, sessionCount: () => this.#server?.sessionCount ?? 0, draining: () => this.#stopping !== undefined,
    });
    const handler = this.#options.handler?.(deps) ?? createSyncHandler({ ...deps, basic, logger });
    const server = (this.#server = new PeerServer({
      config: () => this.#config, identity, pins: new PinStore(db), handler, limits: this.#limits, logger,
      ...(this.#options.once ? { onConnectionEnd: () => void this.stop() } : {}),
    }));
    for (const address of listenAddresses(config)) await listenWithFallback(server, address, logger);
    logger.info({ node: config.localName, fingerprint: identity.fingerprint, groups: config.groups.map((g) => g.name),
      ports: server.addresses().map((a) => a.port) }, "daemon ready");
  }

  /** Re-reads the config for new sessions; keeps the old one when the new one is invalid. */
  reload(): boolean {
    const { logger } = this.#options;
    try {
      const next = this.#options.loadConfig();
      const before = listenAddresses(this.#config).map((a) => `${a.host}:${a.port}`).join(",");
      const after = listenAddresses(next).map((a) => `${a.host}:${a.port}`).join(",");
      if (before !== after) logger.warn({ before, after }, "listen addresses changed: restart the daemon to apply them");
      this.#config = next;
      const revoked = this.#server?.revoke(next) ?? 0;
      logger.info({ groups: next.groups.map((g) => g.name), revoked }, "config reloaded");
      return true;
    } catch (err) {
      logger.error({ err: messageOf(err) }, `config reload failed, keeping the old config: ${messageOf(err)}`);
      return false;
    }
  }

  /** Resolves once stop() (a signal, or the end of the one connection with `once`) finished. */
  get stopped(): Promise<void> {
    return this.#stoppedPromise;
  }

  /** Graceful stop; safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#options.logger.info("stopping: finishing requests in hand");
      await this.#server?.close(this.#limits.shutdownGraceMs);
      this.#db?.close();
      this.#options.logger.info("stopped");
    })();
    void this.#stopping.then(this.#resolveStopped);
    return this.#stopping;
  }
}

// "::" with ipv6Only false takes IPv4 too; on a host without IPv6 fall back to 0.0.0.0.
async function listenWithFallback(server: PeerServer, address: ListenAddress, logger: Logger): Promise<void> {
  try {
    await server.listen(address);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (address.host !== "::" || (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL")) throw err;
    logger.warn({ err: messageOf(err) }, "no IPv6: listening on IPv4 only");
    await server.listen({ host: "0.0.0.0", port: address.port });
  }
}

/** Runs a daemon until SIGTERM or SIGINT; SIGHUP reloads the config. Resolves with the exit code. */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const daemon = new Daemon(options);
  await daemon.start();
  const onSignal = (signal: NodeJS.Signals): void => {
    options.logger.info({ signal }, "signal received");
    void daemon.stop();
  };
  const reload = (): void => void daemon.reload();
  process.on("SIGTERM", onSignal).on("SIGINT", onSignal).on("SIGHUP", reload);
  await daemon.stopped;
  process.off("SIGTERM", onSignal).off("SIGINT", onSignal).off("SIGHUP", reload);
  return 0;
}
