// Hand-built configs and in-process node pairs for the unit tests of net/ (and the bench).
// Real daemons built from config files live in test/helpers/daemon.ts.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino, { type Logger } from "pino";
import type { Config, Group, Host } from "../config/types.js";
import { openIndex } from "../index/database.js";
import { PinStore } from "../index/pins.js";
import { BasicHandler } from "./basic-handler.js";
import { loadOrCreateIdentity, type Identity } from "./identity.js";
import { resolveLimits, type Limits } from "./limits.js";
import type { SessionHandler } from "./serve.js";
import { PeerServer } from "./server.js";

export const TEST_KEY = "testkey.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU";

const at = { file: "test.cfg", line: 1, column: 1 };

export function makeHost(name: string, port = 0, address = "127.0.0.1"): Host {
  return { name, address, port, receiveOnly: false, leftOfLocal: false, at };
}

/** A group seen from `local`: `hosts` lists every member (local included), each `name[:port]`. */
export function makeGroup(name: string, local: string, hosts: readonly Host[], key = TEST_KEY): Group {
  const me = hosts.find((h) => h.name === local) ?? makeHost(local);
  return {
    name, local: me, peers: hosts.filter((h) => h.name !== local), keyFile: "/dev/null", key,
    include: [], exclude: [], compare: [], roots: [], match: () => "ignore", auto: "none",
    backupDirectory: undefined, backupGenerations: 3, maxDelete: undefined, actions: [],
    watch: false, debounceMs: 1000, rescanIntervalMs: 3_600_000, at,
  };
}

export function makeConfig(localName: string, stateDir: string, groups: readonly Group[], port = 0): Config {
  return {
    file: "test.cfg", localName, stateDir, port, groups, prefixes: new Map(),
    ignore: { uid: false, gid: false, mod: false }, tempdir: undefined, lockTimeoutS: 12, nossl: [],
    toLocalPath: (p) => p, toLogicalPath: (p) => p,
  };
}

export function tempStateDir(label = "node"): string {
  return mkdtempSync(join(tmpdir(), `peersync-${label}-`));
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/** A node in this process: its identity, pins and (when started) server. */
export interface TestNode {
  readonly name: string;
  readonly stateDir: string;
  readonly identity: Identity;
  readonly pins: PinStore;
  readonly limits: Limits;
  server?: PeerServer;
  config: Config;
}

export function makeNode(name: string, limits: Partial<Limits> = {}): Omit<TestNode, "config"> {
  const stateDir = tempStateDir(name);
  return { name, stateDir, identity: loadOrCreateIdentity(stateDir), pins: new PinStore(openIndex(stateDir)), limits: resolveLimits(limits) };
}

/** Starts a server for `node` on 127.0.0.1 (port 0), returns its port. */
export async function serve(node: TestNode, options: { handler?: SessionHandler; logger?: Logger } = {}): Promise<number> {
  const server: PeerServer = new PeerServer({
    config: () => node.config, identity: node.identity, pins: node.pins, limits: node.limits, logger: options.logger ?? silentLogger(),
    handler: options.handler ?? new BasicHandler({ startedAt: Date.now(), sessionCount: (): number => server.sessionCount, draining: () => false }),
  });
  node.server = server;
  return (await server.listen({ host: "127.0.0.1", port: 0 })).port;
}
