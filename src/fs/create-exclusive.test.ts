import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { createExclusive } from "./create-exclusive.js";

const dir = mkdtempSync(join(tmpdir(), "create-exclusive-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("createExclusive() writes the content with the mode and leaves no temp file", async () => {
  const sub = mkdtempSync(join(dir, "a-"));
  await createExclusive(join(sub, "f"), "hello\n", { mode: 0o640 });
  assert.equal(readFileSync(join(sub, "f"), "utf8"), "hello\n");
  assert.equal(statSync(join(sub, "f")).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(sub), ["f"]);
});

test("createExclusive() defaults to mode 0600", async () => {
  await createExclusive(join(dir, "default-mode"), "x");
  assert.equal(statSync(join(dir, "default-mode")).mode & 0o777, 0o600);
});

const existing: readonly { readonly name: string; readonly make: (path: string) => void }[] = [
  { name: "a file", make: (p) => writeFileSync(p, "old") },
  { name: "a dangling symlink", make: (p) => symlinkSync(join(dir, "nowhere"), p) },
  { name: "a symlink to a file", make: (p) => { writeFileSync(`${p}.target`, "old"); symlinkSync(`${p}.target`, p); } },
];
for (const c of existing) {
  test(`createExclusive() refuses ${c.name} with EEXIST and cleans up`, async () => {
    const sub = mkdtempSync(join(dir, "b-"));
    const path = join(sub, "f");
    c.make(path);
    const before = readdirSync(sub).sort();
    await assert.rejects(createExclusive(path, "new"), { code: "EEXIST" });
    assert.deepEqual(readdirSync(sub).sort(), before);
    assert.throws(() => statSync(join(dir, "nowhere")));
  });
}

test("createExclusive() fails with ENOENT for a missing directory", async () => {
  await assert.rejects(createExclusive(join(dir, "missing", "f"), "x"), { code: "ENOENT" });
});

test("createExclusive() lets exactly one of many concurrent creators win", async () => {
  const path = join(dir, "race");
  const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => createExclusive(path, `writer ${i}\n`)));
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  assert.match(readFileSync(path, "utf8"), /^writer \d\n$/);
});
