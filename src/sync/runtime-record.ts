// The running daemon's record in the runtime directory: who it is (pid, node, state dir, config
// file) and its answer to the last reload. `peersync reload` (ExecReload of the systemd unit)
// reads it to learn whether the daemon took the config it was sent a SIGHUP for: a HUP alone
// always "succeeded", so `systemctl reload` reported success for a reload the daemon refused
// (a moved state-dir, a config with errors) and the refusal was only in the journal.
//
// The directory is not in the config, since the config is what changes between the daemon's
// start and a reload (a state dir named there may have moved): $RUNTIME_DIRECTORY, which
// systemd's RuntimeDirectory= sets for ExecStart and ExecReload alike, else /run/peersync.
// One file per daemon, named by its pid, so daemons of several nodes on one host (-N) can share
// the directory. Written whole (temp file, then rename): a reader never sees half a record.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where a daemon writes its record when no RUNTIME_DIRECTORY is set. */
export const DEFAULT_RUNTIME_DIR = "/run/peersync";

/** The daemon's answer to one reload (SIGHUP). */
export interface ReloadVerdict {
  readonly atMs: number;
  /** The daemon took the new config. */
  readonly ok: boolean;
  /** "Cannot reload the config: …" when refused; what it took otherwise. */
  readonly message: string;
  /** What to do about a refusal, or a part a reload cannot apply (new listen addresses). */
  readonly hint: string | null;
}

export interface DaemonRecord {
  readonly pid: number;
  readonly node: string;
  readonly stateDir: string;
  readonly configFile: string;
  /** When the daemon's process started (ms since the epoch): tells it from a later process given the same pid. */
  readonly processStartedMs: number;
  readonly startedAtMs: number;
  /** Reloads answered since the start: `peersync reload` waits for this to grow. */
  readonly reloads: number;
  readonly lastReload: ReloadVerdict | null;
}

/** The runtime directory of this environment: systemd's RUNTIME_DIRECTORY (its first entry), else /run/peersync. */
export function runtimeDir(env: Readonly<Record<string, string | undefined>>): string {
  const first = env["RUNTIME_DIRECTORY"]?.split(":")[0];
  return first === undefined || first === "" ? DEFAULT_RUNTIME_DIR : first;
}

export function recordPath(dir: string, pid: number): string {
  return join(dir, `daemon.${pid}.json`);
}

/** Writes `record` whole, making `dir` (mode 0700) when missing. Throws on I/O failure. */
export function writeRecord(dir: string, record: DaemonRecord): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = recordPath(dir, record.pid);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeRecord(dir: string, pid: number): void {
  rmSync(recordPath(dir, pid), { force: true });
}

/** The record of `pid`, or undefined when there is none. Throws TypeError on a record that is not one. */
export function readRecord(dir: string, pid: number): DaemonRecord | undefined {
  let text: string;
  try {
    text = readFileSync(recordPath(dir, pid), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return decodeRecord(JSON.parse(text) as unknown);
}

/** The pids that have a record in `dir` (live or left by a daemon that was killed). */
export function recordedPids(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names.map((n) => /^daemon\.(\d+)\.json$/.exec(n)?.[1]).filter((p) => p !== undefined).map(Number).sort((a, b) => a - b);
}

/**
 * False when the process now holding `record.pid` is not the one that wrote the record: it
 * started later (a daemon killed without removing its record, its pid reused). Read from
 * /proc: the process's start in clock ticks after boot (USER_HZ, 100 on Linux); true where
 * /proc cannot tell.
 */
export function sameProcess(record: DaemonRecord, proc = "/proc"): boolean {
  try {
    const stat = readFileSync(join(proc, String(record.pid), "stat"), "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces: starttime is field 22.
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync(join(proc, "stat"), "utf8"))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(boot)) return true;
    return Math.abs(boot * 1000 + ticks * 10 - record.processStartedMs) < 2000;
  } catch {
    return true;
  }
}

/** Parses a record read from disk; the one place its bytes become a DaemonRecord. */
export function decodeRecord(raw: unknown): DaemonRecord {
  const r = object(raw, "daemon record");
  const last = r["lastReload"];
  return {
    pid: integer(r, "pid"),
    node: text(r, "node"),
    stateDir: text(r, "stateDir"),
    configFile: text(r, "configFile"),
    processStartedMs: integer(r, "processStartedMs"),
    startedAtMs: integer(r, "startedAtMs"),
    reloads: integer(r, "reloads"),
    lastReload: last === null ? null : verdict(object(last, "lastReload")),
  };
}

function verdict(v: Readonly<Record<string, unknown>>): ReloadVerdict {
  const hint = v["hint"];
  if (typeof v["ok"] !== "boolean") throw new TypeError("Cannot read daemon record: lastReload.ok is not a boolean");
  if (hint !== null && typeof hint !== "string") throw new TypeError("Cannot read daemon record: lastReload.hint is not a string");
  return { atMs: integer(v, "atMs"), ok: v["ok"], message: text(v, "message"), hint };
}

function object(raw: unknown, what: string): Readonly<Record<string, unknown>> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new TypeError(`Cannot read daemon record: ${what} is not an object`);
  return raw as Record<string, unknown>;
}

function integer(o: Readonly<Record<string, unknown>>, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new TypeError(`Cannot read daemon record: ${key} is not a whole number`);
  return v;
}

function text(o: Readonly<Record<string, unknown>>, key: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new TypeError(`Cannot read daemon record: ${key} is not a string`);
  return v;
}
