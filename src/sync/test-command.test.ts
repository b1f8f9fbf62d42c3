import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { parseArgs } from "./test-command.js";

const config = { localName: "alpha", groups: [{ local: { name: "alpha-eth1" } }] } as unknown as Parameters<typeof parseArgs>[0];

const cases: { args: string[]; want: ReturnType<typeof parseArgs> }[] = [
  { args: [], want: {} },
  { args: ["/etc/hosts"], want: { path: "/etc/hosts" } },
  { args: ["./rel"], want: { path: "./rel" } },
  { args: ["beta"], want: { peer: "beta" } },
  { args: ["alpha", "beta"], want: { peer: "beta" } },
  { args: ["ALPHA-eth1", "beta"], want: { peer: "beta" } },
  { args: ["beta", "/etc"], want: { peer: "beta", path: "/etc" } },
  { args: ["alpha", "beta", "/etc"], want: { peer: "beta", path: "/etc" } },
];
for (const c of cases) {
  test(`parseArgs(${JSON.stringify(c.args)}): csync2's MYNAME PEER PATH forms and peersync's PEER PATH`, () => {
    assert.deepEqual(parseArgs(config, c.args), c.want);
  });
}

test("parseArgs refuses a MYNAME that is not this node, and more than three words", () => {
  assert.throws(() => parseArgs(config, ["gamma", "beta", "/etc"]), UsageError);
  assert.throws(() => parseArgs(config, ["alpha", "beta", "/etc", "x"]), UsageError);
});
