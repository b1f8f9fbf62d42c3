// `peersync daemon` / `-ii`: serve peers in the foreground until SIGTERM or SIGINT (exit 0),
// reloading the config on SIGHUP; groups with `watch yes` (the default) are watched and pushed
// continuously (src/watch). `--metrics [HOST:]PORT` (or PEERSYNC_METRICS_PORT) serves
// Prometheus metrics, on 127.0.0.1 unless a host is given. `--once` (-iii) serves one connection, then exits. Logs go to stderr; at least at info level, since a daemon's
// sessions and refusals are what its operator needs to see (-vv for debug).
// PEERSYNC_LOG_FORMAT=json gives pino's JSON lines (tests and log shippers). Limits can be
// overridden with PEERSYNC_<LIMIT> variables (see net/limits.ts), which the tests use to make
// timeouts short.

import { UsageError } from "../../errors.js";
import { loadConfig } from "../../config/load.js";
import { createLogger } from "../../log.js";
import { metricsAddressFrom } from "../../metrics/server.js";
import { limitsFromEnv } from "../../net/limits.js";
import { runDaemon } from "../../sync/daemon.js";
import { runtimeDir } from "../../sync/runtime-record.js";
import type { Command } from "../context.js";

interface DaemonFlags {
  readonly inetd?: boolean;
  readonly once?: boolean;
  readonly syslog?: boolean;
  readonly metrics?: string;
}

export const run: Command<readonly string[], DaemonFlags> = async (ctx, _args, flags) => {
  for (const flag of ["inetd", "syslog"] as const) {
    if (flags[flag]) {
      throw new UsageError(`Cannot use daemon --${flag}: not supported in this version`, {
        hint: "run `peersync daemon` (csync2 -ii) as a service; etc/systemd/peersync.service does",
      });
    }
  }
  const o = ctx.options;
  const metricsAddress = metricsAddressFrom(flags.metrics, process.env);
  const delay = Number(process.env["PEERSYNC_TEST_INITIAL_CHECK_DELAY_MS"] ?? 0);
  const logger = createLogger({
    verbose: Math.max(1, o.verbose),
    name: "daemon",
    format: process.env["PEERSYNC_LOG_FORMAT"] === "json" ? "json" : "text",
    batched: true,
  });
  return runDaemon({
    loadConfig: () => loadConfig({ configFile: o.configFile, nodeName: o.nodeName, stateDir: o.stateDir, port: o.port }),
    logger,
    limits: limitsFromEnv(process.env),
    once: flags.once === true,
    metricsAddress,
    // Its answer to each reload, for `peersync reload` (the systemd unit's ExecReload).
    runtimeDir: runtimeDir(process.env),
    ...(Number.isSafeInteger(delay) && delay > 0 ? { initialCheckDelayMs: delay } : {}),
  });
};
