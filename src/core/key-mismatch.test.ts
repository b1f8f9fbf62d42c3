import assert from "node:assert/strict";
import { test } from "node:test";
import { keyMismatchAdvice, type KeyMismatchFacts } from "./key-mismatch.js";

const held = "A".repeat(64);
const base: KeyMismatchFacts = { node: "b", group: "web", keyFile: "/etc/peersync.key", heldKey: held, keyOnDisk: held };

const cases: readonly { name: string; facts: KeyMismatchFacts; stale: boolean }[] = [
  { name: "the key file holds the held key: the keys of the two nodes differ", facts: base, stale: false },
  { name: "the key file changed since it was read: this node is stale", facts: { ...base, keyOnDisk: "B".repeat(64) }, stale: true },
  { name: "the key file cannot be read now: nothing to blame it on", facts: { ...base, keyOnDisk: undefined }, stale: false },
];

for (const c of cases) {
  test(`keyMismatchAdvice(): ${c.name}`, () => {
    const advice = keyMismatchAdvice(c.facts);
    if (c.stale) {
      assert.equal(advice.note, 'node "b" still holds the key it read before its key file "/etc/peersync.key" changed');
      assert.match(advice.hint, /^reload the daemon on node "b" \(systemctl reload peersync, or kill -HUP its pid\)/);
    } else {
      assert.equal(advice.note, undefined);
      assert.match(advice.hint, /^the two nodes hold different keys for group "web": give every host of the group the same key file/);
      assert.match(advice.hint, /reload each host's daemon/);
    }
  });
}
