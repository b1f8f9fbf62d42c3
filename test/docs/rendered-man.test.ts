// docs/man/*.txt, the rendered man pages README.md links to, are what scripts/render-man.sh
// makes from man/ now: a page edited without re-rendering fails here with the command to run.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "peersync-render-man-"));
after(() => rmSync(out, { recursive: true, force: true }));

test("docs/man holds an up-to-date rendering of every man page", () => {
  const r = spawnSync("sh", [join(REPO, "scripts/render-man.sh"), out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), "", "man renders the pages without warnings");
  const rendered = readdirSync(out).sort();
  assert.deepEqual(rendered, readdirSync(join(REPO, "man")).map((p) => `${p}.txt`).sort());
  assert.deepEqual(readdirSync(join(REPO, "docs/man")).sort(), rendered);
  for (const page of rendered) {
    assert.equal(readFileSync(join(REPO, "docs/man", page), "utf8"), readFileSync(join(out, page), "utf8"),
      `docs/man/${page} is stale: run scripts/render-man.sh and commit docs/man`);
  }
});
