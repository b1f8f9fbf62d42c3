// Test helpers for continuous mode: a group over a temp tree (through a prefix, so logical
// paths differ from local ones), a logger that keeps its lines, and a recording push.

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import type { Config } from "../../src/config/types.js";
import { openIndex, type Db } from "../../src/index/database.js";
import { loadTestConfig, tempDir, writeTestConfig } from "../../src/index/testing.js";

export interface WatchFixture {
  readonly dir: string;
  /** The local directory of %www%. */
  readonly root: string;
  readonly config: Config;
  readonly db: Db;
  cleanup(): void;
}

/** Group "g" includes %www% (→ dir/www), excludes *.tmp; `groupExtra` adds e.g. "debounce 100ms;". */
export function watchFixture(label: string, groupExtra = "debounce 100ms;"): WatchFixture {
  const dir = tempDir(label);
  const root = join(dir, "www");
  mkdirSync(root, { recursive: true });
  const cfg = writeTestConfig(join(dir, "etc"), {
    include: ["%www%"], exclude: ["*.tmp"], groupExtra,
    extra: `prefix www {\n  on *: ${root};\n}`,
  });
  const config = loadTestConfig(cfg, join(dir, "state"));
  const db = openIndex(config.stateDir);
  return {
    dir, root, config, db,
    cleanup: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CapturedLogger {
  readonly logger: Logger;
  readonly lines: () => { level: number; msg: string; [k: string]: unknown }[];
}

export function capturedLogger(): CapturedLogger {
  const raw: string[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void raw.push(s) });
  return { logger, lines: () => raw.map((l) => JSON.parse(l)) };
}

export interface PushCall {
  readonly atMs: number;
  readonly group: string;
  readonly paths: readonly string[];
}

export function recordingPush(onPush?: (call: PushCall) => void) {
  const calls: PushCall[] = [];
  const push = (group: string, paths: readonly string[]): void => {
    const call = { atMs: Date.now(), group, paths: [...paths].sort() };
    calls.push(call);
    onPush?.(call);
  };
  return { calls, push, pushed: () => new Set(calls.flatMap((c) => c.paths)) };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms (after `refresh`, when given) until true or `timeoutMs` passed; returns whether it became true. */
export async function waitFor(cond: () => boolean, timeoutMs: number, refresh?: () => Promise<void>): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    await refresh?.();
    if (cond()) return true;
    await sleep(20);
  }
  await refresh?.();
  return cond();
}
