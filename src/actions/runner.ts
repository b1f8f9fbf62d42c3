// Runs one action once: `/bin/sh -c <exec>` with the file names as arguments, its output
// appended to the logfile, bounded by a timeout that kills the whole process group.
//
// Names never become shell text (STYLE R9): `%%` in exec becomes `"$@"`, and the local paths
// travel as argv after `$0`, so a file called `x;reboot` or `$(touch /tmp/pwned)` is only ever a
// string; a name that is not UTF-8 is its bytes there too (byte-args.ts). The same paths are in
// PEERSYNC_FILES (newline-separated; escaped as output shows them, as the environment takes
// UTF-8 strings only) and the group name in PEERSYNC_GROUP. A failure is a result, never a throw: callers sync on regardless.

import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { open, type FileHandle } from "node:fs/promises";
import type { Action } from "../config/types.js";
import { messageOf } from "../errors.js";
import { BYTE_ARGS_ENV, BYTE_ARGS_PRELUDE, shellArgs } from "./byte-args.js";

/** The part of a logger (pino's Logger fits) that actions use. */
export interface ActionLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface ActionResult {
  readonly group: string;
  readonly action: Action;
  /** The local paths the run was given. */
  readonly paths: readonly string[];
  /** Exit code 0, not timed out, spawned fine. */
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly logfile: string;
  /** Why it could not run or was killed, for logs and reports. */
  readonly error: string | undefined;
}

export interface ActionStats {
  readonly runs: number;
  readonly failed: number;
  readonly timedOut: number;
}

export interface ActionRunnerOptions {
  readonly logger: ActionLogger;
  /** Milliseconds since the epoch, for durations and log headers. @default Date.now */
  readonly now?: () => number;
  /** @default child_process.spawn */
  readonly spawn?: SpawnFn;
  /** Base environment of actions. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default "/bin/sh" */
  readonly shell?: string;
  /** After a timeout, SIGTERM to the group, then SIGKILL after this long. @default 1000 */
  readonly killGraceMs?: number;
}

/** Linux caps one argv/env string at 128 KiB and all of them at ARG_MAX (often 2 MiB). */
const MAX_ENV_FILES_BYTES = 120 * 1024;
const MAX_ARGV_BYTES = 1024 * 1024;

export class ActionRunner {
  readonly #logger: ActionLogger;
  readonly #now: () => number;
  readonly #spawn: SpawnFn;
  readonly #env: NodeJS.ProcessEnv;
  readonly #shell: string;
  readonly #killGraceMs: number;
  #stats = { runs: 0, failed: 0, timedOut: 0 };
  /** Process groups of the actions running now, with what settles once each has exited. */
  readonly #running = new Map<number, Promise<unknown>>();

  constructor(options: ActionRunnerOptions) {
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#spawn = options.spawn ?? nodeSpawn;
    this.#env = options.env ?? process.env;
    this.#shell = options.shell ?? "/bin/sh";
    this.#killGraceMs = options.killGraceMs ?? 1000;
  }

  /**
   * Ends every action still running (SIGTERM to its process group, SIGKILL after the kill
   * grace) and resolves once all have exited: at a daemon's shutdown, so none outlives the
   * daemon and none runs again, alongside its queued rerun, at the next start.
   */
  async terminate(): Promise<void> {
    const running = [...this.#running];
    for (const [pgid] of running) void killGroup(pgid, this.#killGraceMs);
    await Promise.all(running.map(([, exited]) => exited));
  }

  /** Counters since start, for status and metrics. */
  get stats(): ActionStats {
    return { ...this.#stats };
  }

  /** Runs `action` once for `localPaths`; always resolves. */
  async run(group: string, action: Action, localPaths: readonly string[]): Promise<ActionResult> {
    const started = this.#now();
    const fields = { group, exec: action.exec, files: localPaths.length };
    this.#logger.info(fields, "Running action");
    const log = await openLog(action.logfile);
    if (log.error !== undefined) this.#logger.warn({ ...fields, logfile: action.logfile, err: log.error }, "Cannot open action logfile; output is discarded");
    await log.write(`[${iso(started)}] peersync: group "${group}" runs: ${action.exec} (${localPaths.length} files)\n`);
    const outcome = await this.#execute(group, action, localPaths, log.fd);
    const result: ActionResult = {
      group,
      action,
      paths: localPaths,
      ...outcome,
      ok: outcome.error === undefined && outcome.exitCode === 0,
      durationMs: this.#now() - started,
      logfile: action.logfile,
    };
    await log.write(`[${iso(this.#now())}] peersync: ${describe(result)}\n`);
    await log.close();
    this.#record(result, fields);
    return result;
  }

  #record(result: ActionResult, fields: object): void {
    this.#stats.runs++;
    if (result.timedOut) this.#stats.timedOut++;
    if (!result.ok) this.#stats.failed++;
    const summary = { ...fields, exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs, logfile: result.logfile };
    if (result.ok) this.#logger.info(summary, "Action finished");
    else this.#logger.error({ ...summary, timedOut: result.timedOut, err: result.error }, `Action failed: ${describe(result)}`);
  }

  #execute(group: string, action: Action, localPaths: readonly string[], logFd: number | undefined): Promise<Outcome> {
    const { args, env } = this.#argsAndEnv(group, localPaths);
    // "$@" keeps each name one argument; csync2 spliced the names into the script text here.
    const script = (env[BYTE_ARGS_ENV] === undefined ? "" : BYTE_ARGS_PRELUDE) + action.exec.replaceAll("%%", '"$@"');
    const out = logFd ?? "ignore";
    let child: ChildProcess;
    try {
      // detached: the shell leads a new process group, so a timeout can kill it with every
      // child it started (kill(-pid)); cwd "/" so the daemon's cwd never leaks into actions.
      child = this.#spawn(this.#shell, ["-c", script, "peersync-action", ...args], {
        detached: true,
        stdio: ["ignore", out, out],
        env,
        cwd: "/",
      });
    } catch (err) {
      return Promise.resolve(failure(`cannot start ${this.#shell}: ${messageOf(err)}`));
    }
    const pgid = child.pid;
    const outcome = waitFor(child, action.timeoutMs, this.#killGraceMs);
    if (pgid === undefined) return outcome;
    this.#running.set(pgid, outcome);
    return outcome.finally(() => this.#running.delete(pgid));
  }

  #argsAndEnv(group: string, localPaths: readonly string[]): { args: readonly string[]; env: NodeJS.ProcessEnv } {
    const env: NodeJS.ProcessEnv = { ...this.#env, PEERSYNC_GROUP: group };
    const joined = localPaths.join("\n");
    // A batch too big for the kernel's limits still runs (a reload must happen); the names
    // are left out and the count says so, rather than failing with E2BIG.
    if (Buffer.byteLength(joined) <= MAX_ENV_FILES_BYTES) env["PEERSYNC_FILES"] = joined;
    else env["PEERSYNC_FILES_OMITTED"] = String(localPaths.length);
    const { args, positions } = shellArgs(localPaths);
    const argvBytes = args.reduce((sum, p) => sum + Buffer.byteLength(p) + 1, 0);
    if (argvBytes <= MAX_ARGV_BYTES) return { args, env: positions === undefined ? env : { ...env, [BYTE_ARGS_ENV]: positions } };
    this.#logger.warn({ group, files: localPaths.length, bytes: argvBytes }, "Action paths exceed the argument limit; running without them");
    env["PEERSYNC_FILES_OMITTED"] = String(localPaths.length);
    return { args: [], env };
  }
}

type Outcome = Pick<ActionResult, "exitCode" | "signal" | "timedOut" | "error">;

function failure(error: string): Outcome {
  return { exitCode: null, signal: null, timedOut: false, error };
}

/** Resolves when the shell exited and, after a timeout, once its process group is gone. */
function waitFor(child: ChildProcess, timeoutMs: number, killGraceMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    let groupGone: Promise<void> = Promise.resolve();
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) groupGone = killGroup(child.pid, killGraceMs);
    }, timeoutMs);
    const settle = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void groupGone.then(() => resolve(outcome));
    };
    child.once("error", (err) => settle({ ...failure(`cannot start action: ${messageOf(err)}`), timedOut }));
    child.once("exit", (code, signal) =>
      settle({ exitCode: code, signal, timedOut, error: timedOut ? `timed out after ${timeoutMs} ms; process group killed` : undefined }),
    );
  });
}

/** SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`. */
async function killGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  signalGroup(pgid, "SIGKILL");
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Log {
  readonly fd: number | undefined;
  readonly error: string | undefined;
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens the logfile for appending; on failure the action still runs, its output discarded. */
async function openLog(path: string): Promise<Log> {
  let handle: FileHandle;
  try {
    handle = await open(path, "a", 0o644);
  } catch (err) {
    const nothing = async (): Promise<void> => {};
    return { fd: undefined, error: messageOf(err), write: nothing, close: nothing };
  }
  return {
    fd: handle.fd,
    error: undefined,
    write: async (text) => {
      await handle.write(text).catch(() => undefined);
    },
    close: () => handle.close(),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function describe(result: ActionResult): string {
  if (result.timedOut) return `action ${result.error ?? "timed out"}`;
  if (result.error !== undefined) return `action failed: ${result.error}`;
  if (result.signal !== null) return `action killed by ${result.signal} after ${result.durationMs} ms`;
  return `action exited with code ${String(result.exitCode)} after ${result.durationMs} ms`;
}
