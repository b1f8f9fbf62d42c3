import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openIndex, type Db } from "./database.js";
import { PinStore } from "./pins.js";

const made: { dir: string; db: Db }[] = [];
after(() => {
  for (const { dir, db } of made) db.close(), rmSync(dir, { recursive: true, force: true });
});

function store(): PinStore {
  const dir = mkdtempSync(join(tmpdir(), "peersync-pins-"));
  const db = openIndex(dir);
  made.push({ dir, db });
  return new PinStore(db);
}

test("PinStore.pin() records a first pin and keeps it against a second one", () => {
  const pins = store();
  const first = pins.pin("a", "AA", Buffer.from([1]), "g", 10);
  assert.deepEqual(first, { host: "a", fingerprint: "AA", certDer: Buffer.from([1]), group: "g", pinnedAt: 10, lastSeenAt: 10 });
  assert.equal(pins.pin("a", "BB", Buffer.from([2]), "h", 20).fingerprint, "AA");
});

test("PinStore.touch(), reset() and list()", () => {
  const pins = store();
  pins.pin("b", "BB", Buffer.from([2]), "g", 1);
  pins.pin("a", "AA", Buffer.from([1]), "g", 1);
  pins.touch("a", 5);
  assert.equal(pins.get("a")?.lastSeenAt, 5);
  assert.deepEqual(pins.list().map((p) => p.host), ["a", "b"]);
  assert.equal(pins.reset("a"), true);
  assert.equal(pins.reset("a"), false);
  assert.equal(pins.get("a"), undefined);
});
