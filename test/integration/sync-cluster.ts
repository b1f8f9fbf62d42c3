// A cluster of real peersync daemons for the sync tests: one config shared by all nodes (a
// `prefix` maps %data% to each node's own root), each node with its own state dir and port,
// `peersync` runs as separate processes, and a tree snapshot to compare nodes like `diff -r`
// (content, mode, file mtime, symlink targets; names as raw bytes).

import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import { openIndex } from "../../src/index/database.js";
import { PinStore } from "../../src/index/pins.js";
import { loadOrCreateIdentity } from "../../src/net/identity.js";
import { resolveLimits } from "../../src/net/limits.js";
import { PeerPool } from "../../src/net/pool.js";
import type { Session } from "../../src/net/session.js";
import { silentLogger } from "../../src/net/testing.js";
import { after, before } from "node:test";
import { cleanup, freePort, runCli, startDaemon, tempDir, writeKey, type DaemonProcess } from "../helpers/daemon.js";

/** Short network timeouts so a down peer costs little (net/limits.ts). */
export const FAST_ENV: Readonly<Record<string, string>> = {
  PEERSYNC_CONNECT_TIMEOUT_MS: "3000",
  PEERSYNC_REQUEST_TIMEOUT_MS: "10000",
  PEERSYNC_BACKOFF_BASE_MS: "50",
  PEERSYNC_BACKOFF_MAX_MS: "200",
  PEERSYNC_SHUTDOWN_GRACE_MS: "500",
};

export interface ClusterNode {
  readonly name: string;
  readonly root: string;
  readonly state: string;
  readonly port: number;
  daemon: DaemonProcess | undefined;
  run(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<{ code: number | null; stdout: string; stderr: string }>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Nodes listed in parentheses (receive-only). */
  readonly receiveOnly?: readonly string[];
  /** Lines inside the group block (auto, max-delete, action...). */
  readonly extra?: readonly string[];
  /** Start every daemon. @default true */
  readonly start?: boolean;
  /**
   * Continuous mode (`watch yes`, the daemon's default). Off unless asked (or set in `extra`):
   * these tests drive every sync by hand. @default false
   */
  readonly watch?: boolean;
  /** Extra environment of every daemon (on top of FAST_ENV). */
  readonly daemonEnv?: Readonly<Record<string, string>>;
}

export interface Cluster {
  readonly dir: string;
  readonly configFile: string;
  readonly nodes: Readonly<Record<string, ClusterNode>>;
  stop(): Promise<void>;
}

export async function makeCluster(names: readonly string[], options: ClusterOptions = {}): Promise<Cluster> {
  const dir = tempDir("sync");
  const key = writeKey(dir, "g.key", "sync-group");
  const ports = await Promise.all(names.map(() => freePort()));
  const roots = names.map((n) => join(dir, n, "tree"));
  for (const r of roots) mkdirSync(r, { recursive: true });
  const hosts = names.map((n, i) => {
    const word = `${n}@127.0.0.1:${ports[i]}`;
    return options.receiveOnly?.includes(n) ? `(${word})` : word;
  });
  const configFile = join(dir, "peersync.cfg");
  writeFileSync(configFile, [
    `prefix data { ${names.map((n, i) => `on ${n}: ${roots[i]};`).join(" ")} }`,
    "group g {",
    `  host ${hosts.join(" ")};`,
    `  key ${key};`,
    "  include %data%;",
    ...(options.extra ?? []).map((l) => `  ${l}`),
    ...(options.watch || (options.extra ?? []).some((l) => /^\s*watch\s/.test(l)) ? [] : ["  watch no;"]),
    "}",
    "",
  ].join("\n"));
  const nodes: Record<string, ClusterNode> = {};
  names.forEach((name, i) => {
    const state = join(dir, name, "state");
    // A start still in flight when stop() is called: a test whose Promise.all of starts failed
    // on one node stops the cluster while the others are still starting, and a daemon that
    // became ready after that stop ran on (the full suite once left one behind).
    let starting: Promise<unknown> | undefined;
    const node: ClusterNode = {
      name, root: roots[i]!, state, port: ports[i]!, daemon: undefined,
      run: (args, env = {}) => runCli(["-N", name, "--config", configFile, "--state-dir", state, ...args], { ...FAST_ENV, ...env }),
      start: async () => {
        const daemon = startDaemon({ name, configFile, stateDir: state, env: { ...FAST_ENV, ...options.daemonEnv } });
        starting = daemon;
        node.daemon = await daemon;
      },
      stop: async () => {
        await starting?.catch(() => undefined);
        starting = undefined;
        await node.daemon?.stop();
        node.daemon = undefined;
      },
    };
    nodes[name] = node;
  });
  const stop = async (): Promise<void> => void (await Promise.all(Object.values(nodes).map((n) => n.stop())));
  if (options.start ?? true) {
    // One daemon failing to start must not leave the others running: the test has no cluster to
    // stop yet, and a live child keeps its process (and the whole suite) waiting.
    const started = await Promise.allSettled(Object.values(nodes).map((n) => n.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      await stop();
      throw failed.reason;
    }
  }
  return { dir, configFile, nodes, stop };
}

/**
 * A cluster of `names` made before the file's tests, handed to `take` (the tests keep its nodes
 * in variables of their own), and stopped and removed after them.
 */
export function clusterForFile(names: readonly string[], take: (c: Cluster) => void, options: ClusterOptions = {}): void {
  let cluster: Cluster | undefined;
  before(async () => {
    cluster = await makeCluster(names, options);
    take(cluster);
  });
  after(async () => {
    await cluster?.stop();
    if (cluster) cleanup(cluster.dir);
  });
}

/** Nodes a and b of a cluster made for the file's tests (clusterForFile); read them inside a test. */
export function pairForFile(options: ClusterOptions = {}): { readonly cluster: Cluster; readonly a: ClusterNode; readonly b: ClusterNode } {
  const pair = {} as { cluster: Cluster; a: ClusterNode; b: ClusterNode };
  clusterForFile(["a", "b"], (c) => Object.assign(pair, { cluster: c, a: c.nodes["a"], b: c.nodes["b"] }), options);
  return pair;
}

/** Every entry below `root`: relative name (raw bytes as hex when not UTF-8) → what diff -r and ls -l would compare. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: Buffer, rel: string): void => {
    for (const name of readdirOrNothing(dir)) {
      const full = Buffer.concat([dir, Buffer.from("/"), name]);
      const shown = `${rel}/${printable(name)}`;
      // A live daemon may rename or remove an entry (its own temp file above all) between
      // readdir and the read: that entry is simply not part of this snapshot. Callers poll,
      // so a quiescent tree is what their final comparison sees, stale temp files included.
      const entry = vanishedAsUndefined(() => describe(full, shown));
      if (entry !== undefined) out[shown] = entry;
    }
  };
  const describe = (full: Buffer, shown: string): string => {
    const st = lstatSync(full, { bigint: true });
    const mode = (Number(st.mode) & 0o7777).toString(8);
    if (st.isDirectory()) {
      walk(full, shown);
      return `dir ${mode}`;
    }
    if (st.isSymbolicLink()) return `link -> ${readlinkSync(full, { encoding: "buffer" }).toString("hex")}`;
    const hash = createHash("sha256").update(readFileSync(full)).digest("hex").slice(0, 16);
    return `file ${mode} ${st.size} ${hash} mtime ${st.mtimeNs}`;
  };
  const readdirOrNothing = (dir: Buffer): Buffer[] => vanishedAsUndefined(() => readdirSync(dir, { encoding: "buffer" })) ?? [];
  readdirSync(root); // a missing root is the caller's error, not a vanished entry
  walk(Buffer.from(root), "");
  return out;
}

function vanishedAsUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function printable(name: Buffer): string {
  const text = name.toString("utf8");
  return Buffer.from(text, "utf8").equals(name) ? text : `<hex:${name.toString("hex")}>`;
}

/** A session to the other node of a two-node cluster, as node `as` (its identity and pins). */
export async function speakAs(c: Cluster, as: string, use: (session: Session) => Promise<void>): Promise<void> {
  const node = c.nodes[as]!;
  const config = loadConfig({ configFile: c.configFile, nodeName: as, stateDir: node.state });
  const group = config.groups[0]!;
  const db = openIndex(node.state);
  const pool = new PeerPool({ identity: loadOrCreateIdentity(node.state), pins: new PinStore(db), limits: resolveLimits({ connectTimeoutMs: 3000 }), logger: silentLogger() });
  try {
    await use(await pool.session(group, group.peers[0]!));
  } finally {
    await pool.close();
    db.close();
  }
}
