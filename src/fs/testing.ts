// Scratch directories for tests: one root per test file, removed after it, and a fresh case
// directory under it per call. Not a test file itself, so node --test does not run it.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A function making a new empty directory per call, all under one root for this test file. */
export function caseDirs(label: string): () => string {
  const root = mkdtempSync(join(tmpdir(), `peersync-${label}-`));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return () => {
    const dir = join(root, `case-${n++}`);
    mkdirSync(dir);
    return dir;
  };
}

/**
 * Removes `dir` after the test (or test file) that made it, when running under `node --test`;
 * a benchmark that borrows a test helper keeps its dirs (and prints no test report).
 */
export function removeAfterTest(dir: string): string {
  if (process.env.NODE_TEST_CONTEXT !== undefined) after(() => removeTree(dir));
  return dir;
}

function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Paths longer than PATH_MAX (a test of them): rm(1) walks with openat(). Whatever is left
    // is only a temp dir; the test's outcome does not depend on it.
    spawnSync("rm", ["-rf", dir]);
  }
}

/** The names in `dir`, sorted. */
export function namesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}
