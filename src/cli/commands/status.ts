// `peersync status [--json]`: this node's fingerprint; per group and peer the pending entries,
// conflicts, drift, last sync and last error the daemon recorded (or, for peers it has no
// record of, whether a short status request gets through); the watchers; the last action.
// Exit 0 whatever it finds: status reports, it does not judge (monitoring reads --json).

import { limitsFromEnv } from "../../net/limits.js";
import { configFromOptions } from "../../index/command-support.js";
import { collectStatus } from "../../status/collect.js";
import { formatStatus, statusJson } from "../../status/report.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";

interface StatusFlags {
  /** commander's --no-probe. */
  readonly probe?: boolean;
}

export const run: Command<readonly string[], StatusFlags> = async (ctx, _args, flags) => {
  const o = ctx.options;
  const config = configFromOptions(o);
  const report = await collectStatus(config, {
    probe: flags.probe !== false,
    limits: limitsFromEnv(process.env),
    ...(o.groups ? { groups: o.groups } : {}),
    ...(o.peers ? { peers: o.peers } : {}),
  });
  if (o.json) ctx.out(statusJson(report));
  else for (const line of formatStatus(report, Date.now())) ctx.out(line);
  return ExitCode.OK;
};
