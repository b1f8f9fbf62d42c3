// entry-rows.ts converts rows of the entries table; parseVectorText keeps the vectors it parsed.

import assert from "node:assert/strict";
import { test } from "node:test";
import { EMPTY_VECTOR } from "../core/vector.js";
import { IndexError } from "../errors.js";
import { parseVectorText, vectorText } from "./entry-rows.js";

test("parseVectorText() hands back one frozen vector per text, and still refuses a corrupt text every time", () => {
  const a = parseVectorText('{"a":1,"b":2}', "/p");
  assert.deepEqual(a, { a: 1, b: 2 });
  assert.ok(Object.isFrozen(a), "shared by every row with that text, so nobody may change it");
  assert.equal(parseVectorText('{"a":1,"b":2}', "/q"), a);
  assert.notEqual(parseVectorText('{"a":2,"b":2}', "/p"), a);
  assert.equal(vectorText(a), '{"a":1,"b":2}');
  assert.equal(parseVectorText("", "/p"), EMPTY_VECTOR);
  for (const bad of ['{"a":', '{"a":-1}', "[]"]) {
    for (let i = 0; i < 2; i++) assert.throws(() => parseVectorText(bad, "/bad"), (err: unknown) => err instanceof IndexError && /\/bad/.test(err.message), bad);
  }
});

test("parseVectorText() stays correct past its bound of kept texts", () => {
  const first = parseVectorText('{"n":1}', "/p");
  for (let n = 2; n <= 5000; n++) assert.deepEqual(parseVectorText(`{"n":${n}}`, "/p"), { n });
  assert.deepEqual(parseVectorText('{"n":1}', "/p"), first);
});
