// Test helpers for the index and check tests: a config file on disk (loaded through the real
// loadConfig) and small trees, in temp dirs removed after the test. Used by *.test.ts and test/ only.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/load.js";
import { removeAfterTest } from "../fs/testing.js";
import type { Config } from "../config/types.js";
import { runCheck, type CheckOptions, type CheckSummary } from "./check-run.js";
import type { Change } from "./check-merge.js";
import { openIndex, type Db } from "./database.js";

export const TEST_KEY = "peersyncIndexTestKey.0123456789abcdefghijklmnop";

/** A fresh directory under the system temp dir, removed after the test (or test file) that made it. */
export function tempDir(label: string): string {
  return removeAfterTest(mkdtempSync(join(tmpdir(), `peersync-index-${label}-`)));
}

export interface TestConfigOptions {
  /** Include patterns of group "g". */
  readonly include: readonly string[];
  readonly exclude?: readonly string[];
  /** @default "a b" */
  readonly hosts?: string;
  /** Extra text inside the group block. */
  readonly groupExtra?: string;
  /** Extra top-level text (prefix blocks, ignore lines). */
  readonly extra?: string;
}

/** Writes `dir/peersync.cfg` and its key file; returns the config file path. */
export function writeTestConfig(dir: string, options: TestConfigOptions): string {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, "group.key");
  writeFileSync(key, `${TEST_KEY}\n`, { mode: 0o600 });
  const lines = [
    options.extra ?? "",
    "group g {",
    `  host ${options.hosts ?? "a b"};`,
    `  key ${key};`,
    ...options.include.map((p) => `  include ${p};`),
    ...(options.exclude ?? []).map((p) => `  exclude ${p};`),
    options.groupExtra ?? "",
    "}",
  ];
  const file = join(dir, "peersync.cfg");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

export function loadTestConfig(configFile: string, stateDir: string, nodeName = "a"): Config {
  return loadConfig({ configFile, nodeName, stateDir });
}

/** Creates files (content string) and directories (null) under `root`. */
export function makeTree(root: string, spec: Readonly<Record<string, string | null>>): void {
  for (const [rel, content] of Object.entries(spec)) {
    const path = join(root, rel);
    if (content === null) mkdirSync(path, { recursive: true });
    else {
      mkdirSync(join(path, ".."), { recursive: true });
      writeFileSync(path, content);
    }
  }
}

export interface CheckFixture {
  /** The tree group "g" includes. */
  readonly root: string;
  readonly config: Config;
  readonly db: Db;
  /** A check of the tree; changes by path relative to the root ("/" for the root itself). */
  readonly check: (options?: CheckOptions) => Promise<{ changes: Map<string, string>; summary: CheckSummary }>;
}

/** A tree made from `spec`, a config whose group "g" includes it (node "a"), and its index. */
export function checkFixture(label: string, spec: Record<string, string | null>, cfg: { exclude?: string[]; hosts?: string } = {}): CheckFixture {
  const dir = tempDir(label);
  const root = join(dir, "tree");
  mkdirSync(root);
  makeTree(root, spec);
  const file = writeTestConfig(join(dir, "etc"), { include: [root], ...cfg });
  const config = loadTestConfig(file, join(dir, "state"));
  const db = openIndex(config.stateDir);
  let clock = 1_000n;
  const check = async (o: CheckOptions = {}) => {
    const changes = new Map<string, string>();
    const summary = await runCheck(db, config, { now: () => clock++, onChange: (c: Change) => changes.set(c.path.slice(root.length) || "/", c.kind), ...o });
    return { changes, summary };
  };
  return { root, config, db, check };
}
