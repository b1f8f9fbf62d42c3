// Shared by the fault tests (test/faults/): sizes that grow under `make soak`, a seeded random
// source, content hashes of a tree, leftover temp files, and the index's own integrity check.
// Nothing here knows about one scenario.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after } from "node:test";
import Database from "better-sqlite3";
import { cleanup, holdFreePorts, tempDir, writeKey, type DaemonProcess } from "./daemon.js";
import { LinkProxy, type LinkProxyOptions } from "./link-proxy.js";
import { isTempName } from "../../src/fs/temp-names.js";
import type { Cluster } from "../integration/sync-cluster.js";

/** `make soak` sets PEERSYNC_SOAK=1: the fault tests then run at their long sizes. */
export const SOAK = process.env.PEERSYNC_SOAK === "1";

/** The CI value, or the soak value under PEERSYNC_SOAK; an explicit env var wins over both. */
export function sized(envName: string, ci: number, soak: number): number {
  const explicit = process.env[envName];
  if (explicit !== undefined && explicit !== "" && Number.isFinite(Number(explicit))) return Number(explicit);
  return SOAK ? soak : ci;
}

/** A deterministic pseudo-random source in [0, 1) (replay a failure with the same seed). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32: enough spread for picking moments and files.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Every regular file below `root`: relative path → content hash (temp files included). */
export function fileHashes(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const path = rel === "" ? name : `${rel}/${name}`;
      try {
        const st = lstatSync(full);
        if (st.isDirectory()) walk(full, path);
        else if (st.isFile()) out.set(path, sha256(readFileSync(full)));
      } catch (e) {
        // A live daemon may finish or sweep a temp file, or apply a delete, while we walk.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  };
  walk(root, "");
  return out;
}

/** Relative paths of writer temp files (fs/atomic-write.ts names) below `root`. */
export function tempFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const path = rel === "" ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) walk(join(dir, d.name), path);
      else if (isTempName(d.name)) out.push(path);
    }
  };
  walk(root, "");
  return out;
}

/** SQLite's own `PRAGMA integrity_check` of a node's index (read-only; fine beside a running daemon in WAL mode). */
export function indexIntegrity(stateDir: string): string {
  const db = new Database(join(stateDir, "index.db"), { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma("integrity_check", { simple: true }));
  } finally {
    db.close();
  }
}

/** The entry a node's index holds for a logical path (kind, hash, size), or undefined. */
export function indexEntry(stateDir: string, path: string): Record<string, unknown> | undefined {
  const db = new Database(join(stateDir, "index.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT * FROM entries WHERE path = ?").get(path) as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 100 ms until it holds or `timeoutMs` passed; returns whether it held. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await sleep(100);
  }
}

/**
 * Slots for a fault test's cluster and the tmpfs it mounted in it: the cluster is stopped, the
 * tmpfs unmounted and the directory removed after the file's tests.
 */
export function mountedClusterFixture(): { cluster: Cluster | undefined; mounted: string | undefined } {
  const fx = { cluster: undefined as Cluster | undefined, mounted: undefined as string | undefined };
  after(async () => {
    await fx.cluster?.stop();
    if (fx.mounted) execFileSync("umount", ["-l", fx.mounted]);
    if (fx.cluster) cleanup(fx.cluster.dir);
  });
  return fx;
}

/**
 * The scaffolding of a file's tests of a pair a → proxy → b: a temp directory with each node's
 * tree and state dir, and slots for b's daemon and the proxy, which are stopped, and the
 * directory removed, after the file's tests. `link()` makes the pair: the group key, a proxy
 * in front of b's port, both trees and both configs (b's daemon is the test's to start).
 */
export function proxiedPairFixture(name: string): {
  readonly dir: string;
  readonly root: (node: string) => string;
  readonly state: (node: string) => string;
  link(o: { readonly link: Omit<LinkProxyOptions, "targetPort">; readonly extra?: readonly string[] }): Promise<{ cfgA: string; cfgB: string }>;
  proxy: LinkProxy | undefined;
  daemon: DaemonProcess | undefined;
} {
  const dir = tempDir(name);
  const root = (node: string): string => join(dir, node, "tree");
  const fx = {
    dir, proxy: undefined as LinkProxy | undefined, daemon: undefined as DaemonProcess | undefined,
    root, state: (node: string) => join(dir, node, "state"),
    async link(o: { readonly link: Omit<LinkProxyOptions, "targetPort">; readonly extra?: readonly string[] }) {
      const key = writeKey(dir, "g.key", name);
      const held = await holdFreePorts(2);
      const [portA, portB] = held.ports as [number, number];
      fx.proxy = await LinkProxy.start({ ...o.link, targetPort: portB });
      await held.release();
      for (const n of ["a", "b"]) mkdirSync(root(n), { recursive: true });
      return writeProxiedPair(dir, { roots: { a: root("a"), b: root("b") }, ports: { a: portA, b: portB }, proxyPort: fx.proxy.port, key, ...(o.extra ? { extra: o.extra } : {}) });
    },
  };
  after(async () => {
    await fx.daemon?.stop();
    await fx.proxy?.close();
    cleanup(dir);
  });
  return fx;
}

/**
 * Writes a.cfg and b.cfg of a two-node pair in `dir` whose a reaches b through a proxy: a's
 * config names b at `proxyPort`, b's its real port. Returns both paths.
 */
export function writeProxiedPair(dir: string, o: { roots: { a: string; b: string }; ports: { a: number; b: number }; proxyPort: number; key: string; extra?: readonly string[] }): { cfgA: string; cfgB: string } {
  const cfg = (bPort: number): string => [
    `prefix data { on a: ${o.roots.a}; on b: ${o.roots.b}; }`,
    "group g {",
    `  host a@127.0.0.1:${o.ports.a} b@127.0.0.1:${bPort};`,
    `  key ${o.key};`,
    "  include %data%;",
    ...(o.extra ?? []).map((l) => `  ${l}`),
    "  watch no;",
    "}",
    "",
  ].join("\n");
  const cfgA = join(dir, "a.cfg");
  const cfgB = join(dir, "b.cfg");
  writeFileSync(cfgA, cfg(o.proxyPort));
  writeFileSync(cfgB, cfg(o.ports.b));
  return { cfgA, cfgB };
}
