// makeCluster (test/integration/sync-cluster.ts) for the scenarios, on a machine shared with
// other test runs: daemons get a generous readiness timeout (restarts too), and when one of
// them cannot start, the ones that did are stopped before the error is thrown, so a failed
// `before` never leaves daemons that keep the test process alive.

import { startDaemon, type DaemonProcess, type StartOptions } from "../helpers/daemon.js";
import { FAST_ENV, makeCluster, type Cluster, type ClusterOptions } from "../integration/sync-cluster.js";

export const READY_TIMEOUT_MS = 90_000;

export async function makeScenarioCluster(names: readonly string[], options: Omit<ClusterOptions, "start"> = {}): Promise<Cluster> {
  const c = await makeCluster(names, { ...options, start: false });
  for (const node of Object.values(c.nodes)) {
    node.start = async () => {
      node.daemon = await startDaemon({ name: node.name, configFile: c.configFile, stateDir: node.state, env: FAST_ENV, readyTimeoutMs: READY_TIMEOUT_MS });
    };
  }
  const started = await Promise.allSettled(Object.values(c.nodes).map((n) => n.start()));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await c.stop();
    throw failed.reason;
  }
  return c;
}

/** Starts every daemon; if one fails, stops the others and throws. */
export async function startAll(options: readonly StartOptions[]): Promise<DaemonProcess[]> {
  const started = await Promise.allSettled(options.map((o) => startDaemon({ readyTimeoutMs: READY_TIMEOUT_MS, ...o })));
  const ok = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(ok.map((d) => d.stop()));
    throw failed.reason;
  }
  return ok;
}
