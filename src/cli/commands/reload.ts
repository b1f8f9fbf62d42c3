// `peersync reload [--pid PID]`: send the running daemon a SIGHUP and wait for its answer, which
// it keeps in its record in the runtime directory (sync/runtime-record.ts). Exit 0 when it took
// the config; 1 with the daemon's own reason and hint when it refused it (a config with errors,
// a moved state-dir, a new node name) and went on with the one it had, or when no daemon
// answers. With --json the answer is one object (the note inside it, not on stderr), and a
// refusal the error object every command prints (cli/main.ts), so a script needs no parsing. The systemd unit's ExecReload: `systemctl reload peersync` used to report success
// while the daemon refused the reload, the refusal only in the journal.
//
// The config is not read here: the daemon reads its own, with its own -N, -C and --config, and
// its answer is the one that counts (a check here with other options once told another story).

import { ConfigError, PeersyncError, UsageError } from "../../errors.js";
import { readRecord, recordedPids, runtimeDir, sameProcess, type DaemonRecord, type ReloadVerdict } from "../../sync/runtime-record.js";
import type { Command } from "../context.js";
import { ExitCode } from "../exit-codes.js";
import { processAlive } from "../../fs/process-alive.js";

interface ReloadFlags {
  readonly pid?: string;
}

/** How long the daemon has to answer: below systemd's 90 s, so this reason is the one shown. */
const ANSWER_MS = 60_000;
const POLL_MS = 50;

export const run: Command<readonly string[], ReloadFlags> = async (ctx, _args, flags) => {
  const dir = runtimeDir(process.env);
  const record = flags.pid === undefined ? onlyDaemon(dir) : recordOf(dir, parsePid(flags.pid));
  // RACE: a SIGHUP someone else sends between this read and ours may be the one answered; it
  // read the same config file a moment earlier, so its answer is still this config's.
  signal(record.pid);
  const verdict = await answerAfter(dir, record);
  if (!verdict.ok) throw new ConfigError(verdict.message, undefined, verdict.hint === null ? {} : { hint: verdict.hint });
  if (ctx.options.json) {
    ctx.out(JSON.stringify({ pid: record.pid, node: record.node, message: verdict.message, note: verdict.hint, atMs: verdict.atMs }));
    return ExitCode.OK;
  }
  ctx.out(`daemon ${record.pid} (node ${record.node}): ${verdict.message}`);
  if (verdict.hint !== null) ctx.err(`note: ${verdict.hint}`);
  return ExitCode.OK;
};

function parsePid(text: string): number {
  const pid = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(pid) || pid < 2) {
    throw new UsageError(`Cannot reload: "${text}" is not a process id`, { hint: "give the daemon's pid (systemd: --pid $MAINPID), or no --pid when one daemon runs" });
  }
  return pid;
}

/** The record of `pid`, which must be a running daemon. */
function recordOf(dir: string, pid: number): DaemonRecord {
  if (!processAlive(pid)) throw new UsageError(`Cannot reload: no process ${pid} is running`, { hint: "is the daemon running? (`systemctl status peersync`)" });
  const record = readRecord(dir, pid);
  if (record === undefined || !sameProcess(record)) {
    throw new UsageError(`Cannot reload the daemon (pid ${pid}): it has no record in ${dir} to answer in`, {
      hint: "a daemon started before this version of peersync, or with another RUNTIME_DIRECTORY, keeps none: restart it (`systemctl restart peersync`)",
    });
  }
  return record;
}

/** Without --pid: the one daemon running with a record here. */
function onlyDaemon(dir: string): DaemonRecord {
  const running = recordedPids(dir).filter(processAlive).map((pid) => readRecord(dir, pid)).filter((r) => r !== undefined && sameProcess(r));
  if (running.length === 1) return running[0]!;
  if (running.length === 0) {
    throw new UsageError(`Cannot reload: no running daemon has a record in ${dir}`, {
      hint: "is the daemon running? (`systemctl status peersync`); one started by hand with RUNTIME_DIRECTORY set keeps its record there: give reload the same",
    });
  }
  throw new UsageError(`Cannot reload: ${running.length} daemons run (pids ${running.map((r) => r!.pid).join(", ")})`, { hint: "name one with --pid" });
}

function signal(pid: number): void {
  try {
    process.kill(pid, "SIGHUP");
  } catch (err) {
    throw new PeersyncError("IO", `Cannot send SIGHUP to the daemon (pid ${pid}): ${(err as Error).message}`, { cause: err, hint: "run reload as the daemon's user (root)" });
  }
}

/** The daemon's answer to our SIGHUP: its record's next reload. */
async function answerAfter(dir: string, before: DaemonRecord): Promise<ReloadVerdict> {
  const deadline = Date.now() + ANSWER_MS;
  for (;;) {
    const now = readRecord(dir, before.pid);
    if (now !== undefined && now.reloads > before.reloads && now.lastReload !== null) return now.lastReload;
    if (now === undefined || !processAlive(before.pid)) {
      throw new PeersyncError("IO", `Cannot reload: the daemon (pid ${before.pid}) stopped before it answered`, { hint: "its log says why (`journalctl -u peersync`)" });
    }
    if (Date.now() >= deadline) {
      throw new PeersyncError("IO", `Cannot reload: the daemon (pid ${before.pid}) did not answer within ${ANSWER_MS / 1000} s`, {
        hint: "it may be busy; its log says whether it took the config (`journalctl -u peersync`)",
      });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

