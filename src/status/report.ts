// The shape of `peersync status --json` (stable: scripts and monitoring read it) and its
// human-readable rendering. Pure: the clock comes in as `nowMs`.

import { shownName } from "../core/shown-name.js";
import type { ActionCounts } from "./action-record.js";
import type { ActionFact, CheckFact } from "./board.js";
import type { Loss } from "../index/losses.js";
import type { ConflictedPath } from "./queries.js";
import type { RootHalt } from "../watch/root-halts.js";
import type { RootState } from "../watch/watcher.js";

export interface PeerStatus {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly receiveOnly: boolean;
  readonly pending: number;
  /** undefined: the index has no conflicts table yet. */
  readonly conflicts: number | undefined;
  /** The later of the daemon's pushes and sync/update runs (status/run-record.ts). */
  readonly lastSyncMs: number | undefined;
  readonly lastErrorMs: number | undefined;
  readonly lastError: string | undefined;
  /** From a status request now: true/false, or undefined when not probed. */
  readonly reachable: boolean | undefined;
  readonly probeError: string | undefined;
  /** What to check when the probe could not connect (core/connect-failure.ts); undefined: none. */
  readonly hint: string | undefined;
  readonly remoteUptimeS: number | undefined;
  /** The peer's clock minus ours at the last handshake (net/handshake/clock.ts), and the warning when past the threshold. */
  readonly clockSkewMs?: number | undefined;
  readonly clockWarning?: string | undefined;
}

export interface GroupStatus {
  readonly name: string;
  readonly localName: string;
  readonly receiveOnly: boolean;
  readonly watch: boolean;
  readonly pending: number;
  readonly conflicts: number | undefined;
  /**
   * The first CONFLICTS_LISTED of them in path order (`conflicts` counts them all); undefined:
   * no index, or one without the conflicts table.
   */
  readonly conflictPaths: readonly ConflictedPath[] | undefined;
  /** Local edits not overwritten by the group (receive-only groups only). */
  readonly drift: number | undefined;
  /**
   * This node's versions that lost to a peer's, backed up or not kept (conflicts, drift, a file a
   * directory replaced): how many are recorded (the newest 1000) and since when, how many of
   * their copies the backup directory still holds (backup-generations rotates older ones out;
   * undefined: it cannot be read here), and the latest. undefined: no index, or one from
   * before this record.
   */
  readonly losses: {
    readonly count: number; readonly sinceMs: number | undefined; readonly kept: number | undefined;
    /** Of `count`, the losses no copy was kept of (backup-generations 0; their `backup` is null). */
    readonly notKept: number;
    readonly last: Loss | undefined;
  } | undefined;
  readonly peers: readonly PeerStatus[];
  /**
   * Hosts removed from the group that still have rows pending here: the next sync or update
   * (or the daemon's reload, for a watched group) drops them (watch/new-peers.ts).
   */
  readonly formerPeers: readonly { readonly name: string; readonly pending: number }[];
}

export interface DaemonStatus {
  readonly pid: number;
  readonly running: boolean;
  readonly updatedAtMs: number;
  readonly watch: readonly RootState[];
  /** Include roots that look unmounted: their groups push nothing until they are back. */
  readonly halts: readonly RootHalt[];
  readonly lastFullCheck: CheckFact | undefined;
  readonly lastCheck: CheckFact | undefined;
  readonly nextFullCheck: Readonly<Record<string, number>>;
}

export interface StatusReport {
  readonly node: string;
  readonly fingerprint: string | undefined;
  readonly stateDir: string;
  readonly indexExists: boolean;
  readonly daemon: DaemonStatus | undefined;
  readonly groups: readonly GroupStatus[];
  readonly actions: {
    readonly queued: number;
    readonly last: ActionFact | undefined;
    /** Runs this node made (daemon and one-shot), failed (timed out included) and timed out; since the index was made. */
    readonly runs: number;
    readonly failed: number;
    readonly timedOut: number;
    readonly lastFailure: ActionFact | undefined;
    readonly byGroup: Readonly<Record<string, ActionCounts>>;
  };
}

/** How many conflicted paths status names per group; list-pending lists them all. */
export const CONFLICTS_LISTED = 20;

/** JSON with explicit nulls (undefined would vanish); times are ms since the epoch. */
export function statusJson(report: StatusReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (value === undefined ? null : value), 2);
}

export function formatStatus(report: StatusReport, nowMs: number): string[] {
  const out: string[] = [];
  out.push(`node ${report.node}  fingerprint ${report.fingerprint ?? "none yet (made when the daemon first starts)"}`);
  out.push(`state ${report.stateDir}${report.indexExists ? "" : " (no index yet: run `peersync check`)"}`);
  out.push(daemonLine(report.daemon, report.groups.some((g) => g.watch), nowMs));
  for (const w of report.daemon?.running ? report.daemon.watch : []) {
    out.push(`  watch ${w.group} ${w.root}: ${w.state}${w.reason ? ` (${w.reason})` : ""}`);
  }
  for (const h of report.daemon?.running ? report.daemon.halts : []) {
    out.push(`  HALTED group ${h.group} since ${ago(h.sinceMs, nowMs)}: include root ${h.root} (${h.local}) looks unmounted; nothing is pushed until it is back (mount it again, or fix the config and reload)`);
  }
  const lastCheck = report.daemon?.running ? report.daemon.lastCheck : undefined;
  if (lastCheck?.safetyStop !== undefined) out.push(`  SAFETY STOP at the last check, ${ago(lastCheck.atMs, nowMs)}: ${lastCheck.safetyStop}`);
  for (const g of report.groups) {
    const role = g.receiveOnly ? ", receive-only" : "";
    const drift = g.drift === undefined ? "" : `, drift ${g.drift}`;
    out.push(`group ${g.name} (as ${g.localName}${role}): pending ${g.pending}, conflicts ${count(g.conflicts)}${drift}`);
    out.push(...conflictLines(g, nowMs));
    if (g.losses?.last) out.push(`  lost here: ${lossesText(g.losses, g.losses.last, nowMs)}`);
    for (const p of g.peers) {
      out.push(`  peer ${p.name} ${p.address}:${p.port}${p.receiveOnly ? " (receive-only)" : ""}: ${peerLine(p, nowMs)}`);
      if (p.hint !== undefined) out.push(`    hint: ${p.hint}`);
    }
    if (g.peers.length === 0) out.push("  no peers");
    for (const f of g.formerPeers) out.push(`  former peer ${f.name} (no longer a host of the group): pending ${f.pending}; the next sync or update drops them`);
  }
  const last = report.actions.last;
  const lastText = last ? `, last ${last.ok ? "ok" : "FAILED"} ${ago(last.atMs, nowMs)} (${last.group}${last.message ? `: ${last.message}` : ""})` : "";
  const a = report.actions;
  const runsText = a.runs > 0 ? `, ${a.runs} run(s)${a.failed > 0 ? `, ${a.failed} FAILED (${a.timedOut} timed out)` : ""}` : "";
  out.push(`actions: ${a.queued} queued${runsText}${lastText}`);
  if (a.lastFailure && a.lastFailure !== last && a.lastFailure.atMs !== last?.atMs) {
    out.push(`  last failure ${ago(a.lastFailure.atMs, nowMs)} (${a.lastFailure.group}${a.lastFailure.message ? `: ${a.lastFailure.message}` : ""})`);
  }
  return out;
}

/** Each conflict the report names, how many it left out, and how to settle one. */
function conflictLines(g: GroupStatus, nowMs: number): string[] {
  const listed = g.conflictPaths ?? [];
  if (listed.length === 0) return [];
  const out = listed.map((c) => `  conflict with ${c.peer} since ${ago(c.detectedMs, nowMs)}: ${shownName(c.path)}`);
  const more = (g.conflicts ?? listed.length) - listed.length;
  if (more > 0) out.push(`  and ${more} more; \`peersync list-pending\` lists all`);
  out.push("  both versions stand (auto none): `peersync force PATH` on the node whose version should win settles one");
  return out;
}

/** A loss recorded with no copy: the group's backup-generations is 0. */
const NOT_KEPT = "not kept (backup-generations 0)";

/**
 * "4 version(s) since 3 h ago, 2 still in the backup directory; last ...": the count covers
 * every loss recorded, the copies only what rotation (backup-generations) left; losses with no
 * copy at all are counted apart (", 1 not kept (backup-generations 0)").
 */
function lossesText(l: NonNullable<GroupStatus["losses"]>, last: Loss, nowMs: number): string {
  const since = l.sinceMs === undefined ? "" : ` since ${ago(l.sinceMs, nowMs)}`;
  const kept = l.kept === undefined ? "their copies not counted (the backup directory cannot be read here)" : `${l.kept} still in the backup directory`;
  const notKept = l.notKept > 0 ? `, ${l.notKept} ${NOT_KEPT}` : "";
  const where = last.backup === null ? NOT_KEPT : `kept as ${shownName(last.backup)}`;
  return `${l.count} version(s)${since}, ${kept}${notKept}; last ${ago(last.atMs, nowMs)}: ${shownName(last.path)}, ${last.reason}, to ${last.peer}, ${where}`;
}

/** `watched`: some group of the report watches; a daemon checks nothing on its own without one. */
function daemonLine(d: DaemonStatus | undefined, watched: boolean, nowMs: number): string {
  if (d === undefined) return "daemon: no record (never ran with this state dir)";
  if (!d.running) return `daemon: not running (pid ${d.pid} last reported ${ago(d.updatedAtMs, nowMs)})`;
  const full = d.lastFullCheck ? `last full check ${ago(d.lastFullCheck.atMs, nowMs)}`
    : watched ? "no full check yet" : "no group watched (changes go out when `peersync -x` runs)";
  const next = Object.values(d.nextFullCheck);
  const due = next.length > 0 ? `, next ${inTime(Math.min(...next), nowMs)}` : "";
  return `daemon: running, pid ${d.pid}, ${full}${due}`;
}

function peerLine(p: PeerStatus, nowMs: number): string {
  const parts: string[] = [];
  parts.push(p.reachable === undefined ? `not probed${p.probeError ? ` (${p.probeError})` : ""}` : p.reachable ? "reachable" : `UNREACHABLE (${p.probeError ?? "no answer"})`);
  parts.push(`pending ${p.pending}`);
  parts.push(`conflicts ${count(p.conflicts)}`);
  if (p.clockWarning !== undefined) parts.push(`WARNING: ${p.clockWarning}`);
  parts.push(p.lastSyncMs === undefined ? "never synced" : `last sync ${ago(p.lastSyncMs, nowMs)}`);
  // An error older than the last sync is history; one of the same push (paths refused) is news.
  if (p.lastError !== undefined && (p.lastSyncMs === undefined || (p.lastErrorMs ?? 0) >= p.lastSyncMs)) {
    parts.push(`last error ${ago(p.lastErrorMs ?? nowMs, nowMs)}: ${shownName(p.lastError)}`);
  }
  return parts.join(", ");
}

function count(n: number | undefined): string {
  return n === undefined ? "unknown" : String(n);
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function ago(thenMs: number, nowMs: number): string {
  return `${span(nowMs - thenMs)} ago`;
}

/** "in 5 min", or "now" once due. */
export function inTime(atMs: number, nowMs: number): string {
  return atMs <= nowMs ? "now" : `in ${span(atMs - nowMs)}`;
}

function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
