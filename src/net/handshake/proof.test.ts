import assert from "node:assert/strict";
import { test } from "node:test";
import { computeProof, proofMatches, type ProofInput } from "./proof.js";

const base: ProofInput = { role: "client", group: "g", client: "a", server: "b", version: [1, 0], secret: Buffer.alloc(32, 1) };
const variants: { name: string; input: ProofInput; key?: string }[] = [
  { name: "the role (a reflected proof)", input: { ...base, role: "server" } },
  { name: "the group", input: { ...base, group: "h" } },
  { name: "the client name", input: { ...base, client: "c" } },
  { name: "the server name", input: { ...base, server: "c" } },
  { name: "the names swapped", input: { ...base, client: "b", server: "a" } },
  { name: "the connection (replay)", input: { ...base, secret: Buffer.alloc(32, 2) } },
  { name: "the version", input: { ...base, version: [1, 1] } },
  { name: "the key", input: base, key: "other-key-0123456789abcdefghijklmnop" },
];
const key = "group-key-0123456789abcdefghijklmnop";
for (const v of variants) {
  test(`computeProof() differs when ${v.name} differs`, () => {
    assert.equal(proofMatches(computeProof(key, base), computeProof(v.key ?? key, v.input)), false);
  });
}

test("proofMatches() accepts the same proof and refuses other lengths", () => {
  assert.equal(proofMatches(computeProof(key, base), computeProof(key, { ...base })), true);
  assert.equal(proofMatches(computeProof(key, base), Buffer.alloc(31)), false);
});
