// Scratch directories for tests: one root per test file, removed after it, and a fresh case
// directory under it per call. Not a test file itself, so node --test does not run it.

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

/** The names in `dir`, sorted. */
export function namesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}
