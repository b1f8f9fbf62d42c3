// Gathers what `peersync status` shows: counts from the index (pending, conflicts, drift,
// queued actions), what the last daemon recorded (status/board.ts: watchers, checks, last sync
// and last error per peer, last action), this node's fingerprint, and, for peers the daemon has
// no record of, a short `status` request (2 s at most, all peers at once).

import { existsSync } from "node:fs";
import type { Config, Group, Host } from "../config/types.js";
import { hintOf, messageOf } from "../errors.js";
import { indexPath, openIndex, openIndexIfSetUp, type Db } from "../index/database.js";
import { PinStore } from "../index/pins.js";
import { readIdentity, type Identity } from "../net/identity.js";
import { resolveLimits, type Limits } from "../net/limits.js";
import { PeerPool } from "../net/pool.js";
import { ClockStore, skewWarnMs, skewWarning, type PeerClock } from "../net/handshake/clock.js";
import { EMPTY_ACTION_RECORD, readActionRecord } from "./action-record.js";
import { readDaemonFacts, type DaemonFacts, type PeerFact } from "./board.js";
import { conflictCounts, conflictsInGroup, driftCount, lossesOf, pendingCounts, queuedActions, type PeerCount } from "./queries.js";
import { copyPaths, countPresent } from "./kept-copies.js";
import { CONFLICTS_LISTED, type GroupStatus, type PeerStatus, type StatusReport } from "./report.js";
import { mergeFacts, readRunRecord } from "./run-record.js";
import { processAlive } from "../fs/process-alive.js";

export interface CollectOptions {
  /** Ask peers the daemon has no record of. @default true */
  readonly probe?: boolean;
  /** @default 2_000 */
  readonly probeTimeoutMs?: number;
  /** Only these groups / peers (-G, -P). */
  readonly groups?: readonly string[];
  readonly peers?: readonly string[];
  /** Network limits (PEERSYNC_* overrides); the probe timeout caps the timeouts. */
  readonly limits?: Partial<Limits>;
  /** Is process `pid` alive on this host? @default process.kill(pid, 0) */
  readonly isAlive?: (pid: number) => boolean;
}

interface Probe {
  /** undefined: not asked (the reason is in error). */
  readonly reachable: boolean | undefined;
  readonly error: string | undefined;
  /** What to check about a connect that failed (core/connect-failure.ts), as sync and test say it. */
  readonly hint?: string | undefined;
  readonly uptimeS: number | undefined;
}

export async function collectStatus(config: Config, options: CollectOptions = {}): Promise<StatusReport> {
  const identity = readIdentity(config.stateDir);
  const probe = options.probe ?? true;
  // Probing may pin a peer's certificate (first contact), which needs the index writable.
  const existed = existsSync(indexPath(config.stateDir));
  const db = probe && identity ? openIndex(config.stateDir) : openIndexIfSetUp(config.stateDir);
  const indexExists = existed && db !== undefined;
  try {
    const groups = config.groups.filter((g) => options.groups === undefined || options.groups.includes(g.name));
    const facts = db ? readDaemonFacts(db) : undefined;
    const running = facts !== undefined && (options.isAlive ?? processAlive)(facts.pid);
    const probes = !probe ? new Map<string, Probe>()
      : identity && db ? await probeAll(groups, options, identity, db, running ? facts : undefined)
      : unprobed(groups, "no node identity yet: start `peersync daemon` once");
    const clocks = db ? new ClockStore(db).all() : [];
    const pending = db ? pendingCounts(db) : [];
    const conflicts = db ? conflictCounts(db) : [];
    const runs = db ? readRunRecord(db) : [];
    return {
      node: config.localName,
      fingerprint: identity?.fingerprint,
      stateDir: config.stateDir,
      indexExists,
      daemon: facts && {
        pid: facts.pid, running, updatedAtMs: facts.updatedAtMs, watch: facts.watch, halts: facts.halts ?? [], lastFullCheck: facts.lastFullCheck,
        lastCheck: facts.lastCheck, nextFullCheck: facts.nextFullCheck,
      },
      groups: groups.map((g) => groupStatus(g, { db, config, facts, runs, probes, pending, conflicts, clocks, peers: options.peers })),
      actions: actionStatus(db, facts),
    };
  } finally {
    db?.close();
  }
}

/** Queue length and the run record; the last run is the newer of the record's and the board's. */
function actionStatus(db: Db | undefined, facts: DaemonFacts | undefined): StatusReport["actions"] {
  const record = db ? readActionRecord(db) : EMPTY_ACTION_RECORD;
  const board = facts?.lastAction;
  const last = board && (!record.last || board.atMs > record.last.atMs) ? board : record.last;
  return {
    queued: db ? queuedActions(db) : 0, last, runs: record.runs, failed: record.failed, timedOut: record.timedOut,
    lastFailure: record.lastFailure, byGroup: record.byGroup,
  };
}

interface GroupInputs {
  readonly db: Db | undefined;
  readonly config: Config;
  readonly facts: DaemonFacts | undefined;
  /** The last pushes of sync/update runs (run-record.ts). */
  readonly runs: readonly PeerFact[];
  readonly probes: ReadonlyMap<string, Probe>;
  readonly pending: readonly PeerCount[];
  readonly conflicts: readonly PeerCount[] | undefined;
  readonly peers: readonly string[] | undefined;
  readonly clocks: readonly PeerClock[];
}

/** The group's recorded losses, and how many of their copies the backup directory still holds. */
function lossStatus(db: Db, group: string): GroupStatus["losses"] {
  const facts = lossesOf(db, group);
  if (facts === undefined) return undefined;
  return { count: facts.count, sinceMs: facts.sinceMs, kept: countPresent(copyPaths(facts.byBackup)), notKept: facts.notKept, last: facts.last };
}

function groupStatus(g: Group, i: GroupInputs): GroupStatus {
  const peers = g.peers.filter((p) => i.peers === undefined || i.peers.includes(p.name)).map((host): PeerStatus => {
    const mine = (f: PeerFact): boolean => f.group === g.name && f.peer === host.name;
    const fact = mergeFacts(i.facts?.peers.find(mine), i.runs.find(mine));
    const probe = i.probes.get(key(g, host));
    const skew = i.clocks.find((c) => c.group === g.name && c.peer === host.name)?.skewMs;
    return {
      name: host.name, address: host.address, port: host.port, receiveOnly: host.receiveOnly,
      pending: countOf(i.pending, g.name, host.name) ?? 0,
      conflicts: i.conflicts && (countOf(i.conflicts, g.name, host.name) ?? 0),
      lastSyncMs: fact?.lastSyncMs, lastErrorMs: fact?.lastErrorMs, lastError: fact?.lastError,
      reachable: probe?.reachable, probeError: probe?.error, hint: probe?.hint, remoteUptimeS: probe?.uptimeS,
      clockSkewMs: skew, clockWarning: skewWarning(host.name, skew, skewWarnMs()),
    };
  });
  return {
    name: g.name, localName: g.local.name, receiveOnly: g.local.receiveOnly, watch: g.watch,
    pending: i.pending.filter((c) => c.group === g.name).reduce((n, c) => n + c.n, 0),
    conflicts: i.conflicts?.filter((c) => c.group === g.name).reduce((n, c) => n + c.n, 0),
    conflictPaths: i.db ? conflictsInGroup(i.db, g.name, CONFLICTS_LISTED) : undefined,
    drift: g.local.receiveOnly && i.db ? driftCount(i.db, g.name, i.config.localName) : undefined,
    losses: i.db ? lossStatus(i.db, g.name) : undefined,
    peers,
    // The group's pending count includes them: named, so it adds up with the peers' lines.
    formerPeers: i.pending.filter((c) => c.group === g.name && !g.peers.some((h) => h.name === c.peer) && c.n > 0)
      .map((c) => ({ name: c.peer, pending: c.n })).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)),
  };
}

/** Status requests to the peers the running daemon has no record of, all at once, each bounded. */
async function probeAll(groups: readonly Group[], options: CollectOptions, identity: Identity, db: Db, facts: DaemonFacts | undefined): Promise<Map<string, Probe>> {
  const timeoutMs = options.probeTimeoutMs ?? 2_000;
  const cap = (n: number | undefined) => Math.min(n ?? timeoutMs, timeoutMs);
  const limits = resolveLimits({
    ...options.limits,
    connectTimeoutMs: cap(options.limits?.connectTimeoutMs), handshakeTimeoutMs: cap(options.limits?.handshakeTimeoutMs),
    requestTimeoutMs: cap(options.limits?.requestTimeoutMs),
  });
  const pool = new PeerPool({ identity, pins: new PinStore(db), limits });
  const known = (g: Group, h: Host): PeerFact | undefined => facts?.peers.find((f) => f.group === g.name && f.peer === h.name);
  const targets = groups.flatMap((g) => g.peers
    .filter((h) => (options.peers === undefined || options.peers.includes(h.name)) && known(g, h) === undefined)
    .map((h) => [g, h] as const));
  const out = new Map<string, Probe>();
  await Promise.all(targets.map(async ([g, h]) => out.set(key(g, h), await probeOne(pool, g, h, timeoutMs))));
  await pool.close(0);
  return out;
}

async function probeOne(pool: PeerPool, group: Group, host: Host, timeoutMs: number): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const reply = await Promise.race([pool.request(group, host, { type: "status" }, { timeoutMs }), deadline]);
    return { reachable: true, error: undefined, uptimeS: reply.type === "status-reply" ? reply.uptimeS : undefined };
  } catch (err) {
    return { reachable: false, error: messageOf(err), hint: hintOf(err), uptimeS: undefined };
  } finally {
    clearTimeout(timer);
  }
}

function unprobed(groups: readonly Group[], why: string): Map<string, Probe> {
  return new Map(groups.flatMap((g) => g.peers.map((h) => [key(g, h), { reachable: undefined, error: why, uptimeS: undefined }] as const)));
}

function key(g: Group, h: Host): string {
  return `${g.name}\0${h.name}`;
}

function countOf(counts: readonly PeerCount[], group: string, peer: string): number | undefined {
  return counts.find((c) => c.group === group && c.peer === peer)?.n;
}

