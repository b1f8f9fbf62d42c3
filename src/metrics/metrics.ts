// Prometheus metrics of a daemon (DESIGN §9), on a registry of their own (never prom-client's
// global one, so two daemons in one test process do not collide). Every module that counts
// something gets this object passed in and touches the named instruments; labels are group
// and peer names from the config, never file paths (a path label would grow without bound).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Counts read from the index at each scrape (so they are never stale). */
export interface MetricsSources {
  readonly pending: () => readonly { readonly group: string; readonly peer: string; readonly n: number }[];
  /** undefined: the index has no conflicts table yet. */
  readonly conflicts: () => readonly { readonly group: string; readonly n: number }[] | undefined;
  readonly queuedActions: () => number;
}

export interface MetricsOptions {
  /** Process metrics (memory, CPU, event loop lag) too. @default true */
  readonly processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();

  // Sync (the sync engine increments these).
  /** Entries not yet acknowledged, per group and peer (set after each check and push). */
  readonly pending = this.#gauge("peersync_pending_entries", "Entries not yet acknowledged by the peer", ["group", "peer"]);
  readonly bytesSent = this.#counter("peersync_sent_bytes_total", "File content bytes sent to peers (whole or delta)", ["group", "peer"]);
  readonly bytesReceived = this.#counter("peersync_received_bytes_total", "File content bytes received from peers", ["group", "peer"]);
  readonly filesSent = this.#counter("peersync_sent_files_total", "Entries a peer applied from this node", ["group", "peer"]);
  readonly filesReceived = this.#counter("peersync_received_files_total", "Entries this node applied from peers", ["group", "peer"]);
  /** Unresolved conflicts (gauge: set from the index). */
  readonly conflicts = this.#gauge("peersync_conflicts", "Unresolved conflicts", ["group"]);
  readonly conflictsDetected = this.#counter("peersync_conflicts_detected_total", "Conflicts detected (resolved by policy or not)", ["group"]);
  /** From a local change being seen to the peer acknowledging it. */
  readonly syncLatency = new Histogram({
    name: "peersync_sync_latency_seconds",
    help: "Time from a change being seen on this node to the peer acknowledging it",
    labelNames: ["group", "peer"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly peerUp = this.#gauge("peersync_peer_up", "1 when the last contact with the peer succeeded, else 0", ["group", "peer"]);
  readonly syncErrors = this.#counter("peersync_sync_errors_total", "Pushes to a peer that failed", ["group", "peer"]);

  // Actions.
  readonly actionRuns = this.#counter("peersync_action_runs_total", "Action runs", ["group"]);
  readonly actionFailures = this.#counter("peersync_action_failures_total", "Action runs that failed or timed out", ["group"]);

  // Continuous mode (src/watch).
  readonly watchEvents = this.#counter("peersync_watch_events_total", "Filesystem events received from the watchers", ["group"]);
  readonly watchOverflows = this.#counter("peersync_watch_overflows_total", "Times the event buffer hit its cap and collapsed to a full check", []);
  readonly watchedRoots = this.#gauge("peersync_watched_roots", "Include roots by watcher state (watching, polling)", ["group", "state"]);
  readonly checks = this.#counter("peersync_checks_total", "Checks run by the daemon", ["scope"]);
  readonly checkDuration = new Histogram({
    name: "peersync_check_duration_seconds",
    help: "Duration of the daemon's checks",
    labelNames: ["scope"],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [this.registry],
  });
  readonly rescans = this.#counter("peersync_rescans_total", "Full checks by reason (start, interval, overflow, watcher)", ["reason"]);
  readonly heldBack = this.#counter("peersync_held_back_total", "Changed files not pushed because they changed again while hashed", ["group"]);

  readonly actionsQueued = this.#gauge("peersync_actions_queued", "Actions owed for applied batches, not run yet", []);

  #sources: MetricsSources | undefined;

  constructor(options: MetricsOptions = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "peersync_" });
  }

  /** Reads pending, conflicts and queued actions from `sources` at every scrape. */
  setSources(sources: MetricsSources): void {
    this.#sources = sources;
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    this.#refresh();
    return this.registry.metrics();
  }

  #refresh(): void {
    const s = this.#sources;
    if (s === undefined) return;
    try {
      this.pending.reset();
      for (const c of s.pending()) this.pending.set({ group: c.group, peer: c.peer }, c.n);
      const conflicts = s.conflicts();
      this.conflicts.reset();
      for (const c of conflicts ?? []) this.conflicts.inc({ group: c.group }, c.n);
      this.actionsQueued.set(s.queuedActions());
    } catch {
      // The index is busy or closing: this scrape shows the last values.
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  #gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }
}
