import assert from "node:assert/strict";
import { test } from "node:test";
import { reloadRefusal } from "./reload.js";

const base = { stateDir: "/var/lib/peersync", localName: "a" };

test("reloadRefusal(): the same state dir and name reload", () => {
  assert.equal(reloadRefusal(base, { ...base }), undefined);
});

test("reloadRefusal(): a moved state dir is refused, naming both and how to move it", () => {
  const r = reloadRefusal(base, { ...base, stateDir: "/srv/peersync" });
  assert.ok(r);
  assert.equal(r.message, "Cannot reload the config: its state-dir changed from /var/lib/peersync to /srv/peersync, and a running daemon keeps the index and node identity it opened there");
  assert.match(r.hint, /^to move the state dir, stop the daemon, move the files of \/var\/lib\/peersync to \/srv\/peersync/);
});

test("reloadRefusal(): a new node name is refused", () => {
  assert.match(reloadRefusal(base, { ...base, localName: "b" })?.message ?? "", /node's name changed from "a" to "b"/);
});
