// Real `peersync daemon` processes for integration tests: temp dirs, free ports, csync2-style
// config files, start/stop by PID, and the daemon's log (JSON lines on stderr) to wait on and
// assert against. Reusable by every integration test: nothing here knows about one test.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's bin/peersync (this file runs from dist/test/helpers/). */
export const PEERSYNC_BIN = resolve(fileURLToPath(new URL("../../../bin/peersync", import.meta.url)));

/** A fresh directory under the system temp dir; removed by cleanup(). */
export function tempDir(label = "test"): string {
  return mkdtempSync(join(tmpdir(), `peersync-${label}-`));
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** Ports this test process has handed out: the kernel may offer a closed one again. */
const handedOut = new Set<number>();

/** A TCP port free on 127.0.0.1 right now, never one this process handed out before (racy only against other processes). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LISTEN_PORTS.low + Math.floor(Math.random() * (LISTEN_PORTS.high - LISTEN_PORTS.low + 1));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
}

/**
 * Where freePort() picks: below the kernel's ephemeral range (ip_local_port_range), which it
 * draws from for every outgoing connection and every listen(0). A port taken from that range
 * and closed until a daemon binds it could meanwhile become the local end of another test's
 * connection (csync2-switch.test once failed with EADDRINUSE that way); a port below it is only
 * ever taken by an explicit bind.
 */
const LISTEN_PORTS = ((): { low: number; high: number } => {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // not Linux: the usual default
  }
  const high = Math.min(ephemeralLow - 1, 32767);
  return { low: Math.max(10_000, high - 12_000), high };
})();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once("error", () => resolveFree(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}

/**
 * `n` distinct free ports on 127.0.0.1, held (listened on) until release(): a proxy or another
 * helper that binds port 0 meanwhile cannot be handed one of them (two freePort() calls and a
 * proxy's own port 0 once collided in the fresh-clone suite).
 */
export async function holdFreePorts(n: number): Promise<{ readonly ports: number[]; release: () => Promise<void> }> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((res, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => res(server));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  for (const port of ports) handedOut.add(port);
  return { ports, release: async () => void (await Promise.all(servers.map((s) => new Promise((res) => s.close(res))))) };
}

/** Writes a csync2-format key file (64 chars of [A-Za-z0-9._]) and returns its path. */
export function writeKey(dir: string, name: string, seed = name): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
  let key = "";
  for (let i = 0; i < 64; i++) key += alphabet[(seed.charCodeAt(i % seed.length) * 31 + i * 7) % 64];
  const file = join(dir, name);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return file;
}

export interface GroupSpec {
  readonly name: string;
  /** Hosts as `name@127.0.0.1:port` (or any csync2 host word). */
  readonly hosts: readonly string[];
  readonly keyFile: string;
  readonly include?: readonly string[];
  /** Extra lines inside the group block. */
  readonly extra?: readonly string[];
  /**
   * Continuous mode (`watch yes`, the daemon's default). Off unless asked: these daemons serve
   * tests that drive syncs by hand, and a watcher pushing on its own would change what they see.
   * @default false
   */
  readonly watch?: boolean;
}

/** A csync2-style config text for `groups`. */
export function configText(groups: readonly GroupSpec[]): string {
  return groups
    .map((g) => [
      `group ${g.name} {`,
      `  host ${g.hosts.join(" ")};`,
      `  key ${g.keyFile};`,
      ...(g.include ?? ["/nonexistent-peersync-test-root"]).map((p) => `  include ${p};`),
      ...(g.extra ?? []).map((l) => `  ${l}`),
      ...(g.watch || (g.extra ?? []).some((l) => /^\s*watch\s/.test(l)) ? [] : ["  watch no;"]),
      "}",
    ].join("\n"))
    .join("\n") + "\n";
}

export function writeConfig(dir: string, name: string, groups: readonly GroupSpec[]): string {
  const file = join(dir, name);
  writeFileSync(file, configText(groups));
  return file;
}

/** One parsed log line of the daemon (pino JSON), or {raw} for anything else on stderr. */
export type LogRecord = Record<string, unknown> & { msg?: string; level?: string };

export interface StartOptions {
  /** -N NAME. */
  readonly name: string;
  readonly configFile: string;
  readonly stateDir: string;
  /** Extra environment, e.g. PEERSYNC_IDLE_TIMEOUT_MS (net/limits.ts). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra arguments after `daemon`. */
  readonly args?: readonly string[];
  /** @default 20_000 */
  readonly readyTimeoutMs?: number;
  /**
   * A command the daemon runs under (e.g. `unshare ... sh -c '...; exec "$@"' sh`): its argv
   * comes first, then node and peersync's. It must exec, so the PID is the daemon's.
   */
  readonly wrapper?: readonly string[];
  /** A command that execs node in another context, e.g. `ip netns exec NS` (test/helpers/netns.ts); the pid stays the daemon's. */
  readonly wrap?: readonly string[];
  /** The config's `state-dir` names the state dir: no --state-dir argument (stateDir is then only recorded). @default false */
  readonly stateDirInConfig?: boolean;
}

export class DaemonProcess {
  readonly name: string;
  readonly stateDir: string;
  readonly configFile: string;
  /**
   * Where the daemon keeps its record for `peersync reload` (RUNTIME_DIRECTORY): beside its
   * state dir unless options.env names one, so no test writes to /run/peersync.
   */
  readonly runtimeDir: string;
  readonly child: ChildProcess;
  readonly logs: LogRecord[] = [];
  /** Resolves when the process exited and its stderr was read to the end. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: { test: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }[] = [];

  constructor(options: StartOptions) {
    this.name = options.name;
    this.stateDir = options.stateDir;
    this.configFile = options.configFile;
    this.runtimeDir = options.env?.["RUNTIME_DIRECTORY"] ?? `${options.stateDir}-run`;
    const stateArg = options.stateDirInConfig ? [] : ["--state-dir", options.stateDir];
    const argv = [PEERSYNC_BIN, "-N", options.name, "--config", options.configFile, ...stateArg, "daemon", ...(options.args ?? [])];
    const [command, ...args] = [...(options.wrapper ?? options.wrap ?? []), process.execPath, ...argv] as [string, ...string[]];
    this.child = spawn(command, args, {
      env: { ...process.env, PEERSYNC_LOG_FORMAT: "json", RUNTIME_DIRECTORY: this.runtimeDir, ...options.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.exited = new Promise((res) => this.child.once("close", (code, signal) => res({ code, signal })));
    let partial = "";
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") this.#record(parseLine(line));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Resolves with the first log record that `test` accepts, logged at or after `since` (a
   * `mark()`; 0, the default, takes the whole log, past or future).
   */
  waitForLog(test: RegExp | ((r: LogRecord) => boolean), timeoutMs = 10_000, since = 0): Promise<LogRecord> {
    const accept = typeof test === "function" ? test : (r: LogRecord) => test.test(JSON.stringify(r));
    const seen = this.logs.slice(since).find(accept);
    if (seen) return Promise.resolve(seen);
    return new Promise((res, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon ${this.name}: no log matching ${String(test)} within ${timeoutMs} ms; log:\n${this.logText()}`)), timeoutMs);
      this.#waiters.push({ test: accept, resolve: (r) => (clearTimeout(timer), res(r)) });
    });
  }

  /** Log lines logged from now on that match (for "logged after this action" checks). */
  mark(): number {
    return this.logs.length;
  }

  logsSince(mark: number): LogRecord[] {
    return this.logs.slice(mark);
  }

  logText(): string {
    return this.logs.map((r) => JSON.stringify(r)).join("\n");
  }

  /** Resident memory of the daemon process (Linux /proc). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with how it exited. */
  async stop(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.signal("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
      const result = await this.exited;
      clearTimeout(timer);
      return result;
    }
    return this.exited;
  }

  #record(r: LogRecord): void {
    this.logs.push(r);
    for (const w of this.#waiters.filter((w) => w.test(r))) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(r);
    }
  }
}

function parseLine(line: string): LogRecord {
  try {
    const value: unknown = JSON.parse(line);
    if (value !== null && typeof value === "object") return value as LogRecord;
  } catch {
    // not a log line: kept raw
  }
  return { raw: line };
}

/** Starts a daemon and waits until it logged "daemon ready"; throws with its log if it exits first. */
export async function startDaemon(options: StartOptions): Promise<DaemonProcess> {
  const daemon = new DaemonProcess(options);
  const exited = daemon.exited.then((e) => {
    throw new Error(`daemon ${options.name} exited (${e.code ?? e.signal}) before it was ready; log:\n${daemon.logText()}`);
  });
  await Promise.race([daemon.waitForLog((r) => r.msg === "daemon ready", options.readyTimeoutMs ?? 20_000), exited]);
  return daemon;
}

/** Runs `peersync ARGS` to completion (for trust, status, ...). */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [PEERSYNC_BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    child.once("close", (code) => res({ code, stdout, stderr }));
  });
}
