// The serving loop of `peersync daemon` / `-ii`: load the identity and the index, listen on
// the local host's address and port of every group (one listener per distinct address), serve
// peers through a SessionHandler, and run continuous mode (src/watch: watchers, checks, pushes,
// metrics, status board) for the groups with `watch yes`. SIGHUP reloads the config (and
// restarts continuous mode on it), its answer kept for `peersync reload` in the daemon's record
// (runtime-record.ts); SIGTERM/SIGINT stops watching, checks and pushes what the
// watchers had seen, stops accepting, finishes the requests in hand, lets running actions end,
// closes the sessions and resolves with exit code 0. Sync logic stays out: the sync engine
// passes its handler in.
//
// Temp files a crashed writer left (sync/sweep.ts) are swept in the background once continuous
// mode's initial check is done, not before listening: they are only clutter meanwhile (checks
// and watchers ignore them), and on a tree of 100 k directories the extra walk held the daemon
// for seconds before it could serve or start watching (issue 9's start-up time).

import { isIP } from "node:net";
import type { Logger } from "pino";
import { ListenError, hintOf, messageOf } from "../errors.js";
import { listenFailure } from "../core/listen-failure.js";
import { reloadRefusal } from "../core/reload.js";
import type { Config } from "../config/types.js";
import { openIndex, type Db } from "../index/database.js";
import { carriedText, carryGoneGroups } from "../index/group-carry.js";
import { dropReceiveOnlyPending, droppedText } from "../index/receive-only-pending.js";
import { PinStore } from "../index/pins.js";
import { BasicHandler } from "../net/basic-handler.js";
import { loadOrCreateIdentity, type Identity } from "../net/identity.js";
import { resolveLimits, type Limits } from "../net/limits.js";
import type { SessionHandler } from "../net/serve.js";
import { PeerServer, type ListenAddress } from "../net/server.js";
import type { MetricsAddress } from "../metrics/server.js";
import { startDaemonServices, type DaemonServices } from "../watch/daemon-services.js";
import type { ActionDispatcher } from "../actions/dispatcher.js";
import { SyncHandler } from "./handler.js";
import { claimActionQueue, createSyncHandler } from "./service.js";
import { sweepTemps } from "./sweep.js";
import { DaemonRecordKeeper } from "./daemon-record.js";

export interface DaemonOptions {
  /** Reads the config; called at start and on every reload. */
  readonly loadConfig: () => Config;
  readonly logger: Logger;
  readonly limits?: Partial<Limits>;
  /** Serves authenticated requests; @default the sync engine (sync/service.ts), which hands ping, status and discard to BasicHandler. */
  readonly handler?: (deps: { db: Db; identity: Identity; config: () => Config }) => SessionHandler;
  /** Serve one connection, then stop (csync2 -iii, for debugging); no continuous mode. @default false */
  readonly once?: boolean;
  /** Serve Prometheus metrics here (daemon --metrics). @default none */
  readonly metricsAddress?: MetricsAddress | undefined;
  /** Test hook: the initial full check of continuous mode ends this much later. @default 0 */
  readonly initialCheckDelayMs?: number;
  /**
   * Where to keep this daemon's record and its answer to each reload, for `peersync reload`
   * (sync/runtime-record.ts). @default none: no record (tests that drive the class)
   */
  readonly runtimeDir?: string | undefined;
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
  #services: DaemonServices | undefined;
  #dispatcher: ActionDispatcher | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #sweeping: Promise<void> = Promise.resolve();
  readonly #sweepAbort = new AbortController();
  #stopping: Promise<void> | undefined;
  readonly #record: DaemonRecordKeeper;
  #resolveStopped!: () => void;
  readonly #stoppedPromise = new Promise<void>((resolve) => (this.#resolveStopped = resolve));

  constructor(options: DaemonOptions) {
    this.#options = options;
    this.#limits = resolveLimits(options.limits);
    this.#config = options.loadConfig();
    this.#record = new DaemonRecordKeeper(options.runtimeDir, options.logger, PROCESS_STARTED_MS);
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
    // Before a peer's push or the first check can record anything under a renamed group.
    for (const c of carryGoneGroups(db, config)) logger.info(c, carriedText(c));
    for (const d of dropReceiveOnlyPending(db, config)) logger.info(d, droppedText(d));
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
    // Continuous mode shares the handler's action dispatcher and receive lock (sync/handler.ts).
    const sync = handler instanceof SyncHandler ? handler : undefined;
    // Only now, listening: a daemon whose ports are taken (this node's daemon runs already) exits
    // above without taking the action queue from the one that runs.
    if (sync) claimActionQueue(db, sync);
    this.#dispatcher = sync?.dispatcher;
    this.#services = await startDaemonServices({
      config, db, logger, metricsAddress: this.#options.metricsAddress, continuous: !this.#options.once,
      dispatcher: sync?.dispatcher, lock: sync ? () => sync.receiver.mutex.lock() : undefined,
      conflictNotices: sync?.receiver.notices,
      initialCheckDelayMs: this.#options.initialCheckDelayMs ?? 0,
    });
    logger.info({ node: config.localName, fingerprint: identity.fingerprint, groups: config.groups.map((g) => g.name),
      ports: server.addresses().map((a) => a.port) }, "daemon ready");
    this.#record.started(config, startedAt);
    this.#sweeping = this.#sweepLater(config, this.#services.continuous?.ready);
  }

  /** Sweeps leftover temp files after `after` (the initial check); logs, never throws. */
  async #sweepLater(config: Config, after: Promise<void> | undefined): Promise<void> {
    const { logger } = this.#options;
    await after;
    const signal = this.#sweepAbort.signal;
    if (signal.aborted) return;
    try {
      // Temp files carrying our own pid made since this process started are our writes in flight.
      const swept = await sweepTemps(config, { ownWritesSince: PROCESS_STARTED_MS, signal });
      if (swept.length > 0) logger.warn({ files: swept.length }, `removed ${swept.length} temp file(s) a crashed writer left`);
      logger.info({ removed: swept.length, aborted: signal.aborted }, "temp sweep done");
    } catch (err) {
      logger.warn({ err: messageOf(err) }, `temp file sweep failed: ${messageOf(err)}`);
    }
  }

  /**
   * Re-reads the config for new sessions; keeps the old one when the new one is invalid or
   * cannot be taken (core/reload.ts). Either way the answer goes to the log and to the record
   * `peersync reload` waits on, so `systemctl reload` fails with the daemon's reason.
   */
  reload(): boolean {
    const { logger } = this.#options;
    try {
      const next = this.#options.loadConfig();
      const refused = reloadRefusal(this.#config, next);
      if (refused) {
        logger.error({ hint: refused.hint }, `config reload refused, keeping the old config: ${refused.message}; ${refused.hint}`);
        return this.#record.answer(this.#config, false, refused.message, refused.hint);
      }
      const before = listenAddresses(this.#config).map((a) => `${a.host}:${a.port}`).join(",");
      const after = listenAddresses(next).map((a) => `${a.host}:${a.port}`).join(",");
      if (before !== after) logger.warn({ before, after }, "listen addresses changed: restart the daemon to apply them");
      // Before the new config serves a push: a renamed group's rows keep their vectors.
      if (this.#db) for (const c of carryGoneGroups(this.#db, next)) logger.info(c, carriedText(c));
      // A switch to receive-only: the rows it left would never be sent.
      if (this.#db) for (const d of dropReceiveOnlyPending(this.#db, next)) logger.info(d, droppedText(d));
      this.#config = next;
      const revoked = this.#server?.revoke(next) ?? 0;
      logger.info({ groups: next.groups.map((g) => g.name), revoked }, "config reloaded");
      // Continuous mode restarts on the new config (new roots, new peers), one reload at a time.
      const services = this.#services;
      if (services && this.#stopping === undefined) {
        this.#reloading = this.#reloading.then(() => services.reload(next, this.#limits.shutdownGraceMs)).catch((err: unknown) => {
          logger.error({ err: messageOf(err) }, `continuous mode did not restart after the reload: ${messageOf(err)}`);
        });
      }
      const groups = next.groups.map((g) => g.name).join(", ") || "none";
      return this.#record.answer(this.#config, true, `config reloaded (groups: ${groups})`,
        before === after ? null : `its listen addresses changed from ${before} to ${after}, which only a restart applies`);
    } catch (err) {
      logger.error({ err: messageOf(err) }, `config reload failed, keeping the old config: ${messageOf(err)}`);
      return this.#record.answer(this.#config, false, `Cannot reload the config: ${messageOf(err)}`,
        hintOf(err) ?? "fix it (`peersync config-check` lists every error) and reload again; the daemon goes on with the config it had");
    }
  }

  /** Resolves once stop() (a signal, or the end of the one connection with `once`) finished. */
  get stopped(): Promise<void> {
    return this.#stoppedPromise;
  }

  /** Graceful stop; safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const { logger } = this.#options;
      const grace = this.#limits.shutdownGraceMs;
      logger.info("stopping: pushing what the watchers saw, finishing requests in hand");
      await this.#reloading;
      this.#sweepAbort.abort();
      // Watchers first: what they had seen is checked and pushed while peers are still served.
      await this.#services?.stop(grace);
      await this.#server?.close(grace);
      // Actions of applied batches: let them run (debounce cut short); what outlasts the grace
      // stays queued in the index and runs at the next start.
      if (this.#dispatcher) {
        const drained = await withTimeout(this.#dispatcher.drain(), grace);
        if (drained) this.#dispatcher.close();
        else {
          logger.warn({ graceMs: grace }, "actions still running at shutdown: ending them; they stay queued and run at the next start");
          await this.#dispatcher.stop();
        }
      }
      await this.#sweeping;
      this.#db?.close();
      this.#record.remove();
      logger.info("stopped");
    })();
    void this.#stopping.then(this.#resolveStopped);
    return this.#stopping;
  }
}

const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000;

/** True when `p` settled within `ms`. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// "::" with ipv6Only false takes IPv4 too; on a host without IPv6 fall back to 0.0.0.0.
async function listenWithFallback(server: PeerServer, address: ListenAddress, logger: Logger): Promise<void> {
  try {
    await server.listen(address);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (address.host !== "::" || (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL")) throw asListenError(err, address);
    logger.warn({ err: messageOf(err) }, "no IPv6: listening on IPv4 only");
    await server.listen({ host: "0.0.0.0", port: address.port }).catch((e: unknown) => {
      throw asListenError(e, { host: "0.0.0.0", port: address.port });
    });
  }
}

/** A listen failure with its cause and fix named (port taken, foreign address, privileged port); else as it was. */
function asListenError(err: unknown, address: ListenAddress): unknown {
  const failure = listenFailure((err as NodeJS.ErrnoException).code, address.host, address.port);
  if (failure === undefined) return err;
  const shown = address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  return new ListenError(`Cannot listen on ${shown}: ${failure.reason}`, { cause: err, hint: failure.hint, address: address.host, port: address.port });
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
