import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { checkGroupSelection } from "./select-groups.js";

const cases: { name: string; selected: string[] | undefined; groups: string[]; throws: boolean }[] = [
  { name: "no -G selects every group", selected: undefined, groups: ["web"], throws: false },
  { name: "a group of this node", selected: ["web"], groups: ["web", "db"], throws: false },
  { name: "one of this node's groups among others' (a shared cron line)", selected: ["mail", "web"], groups: ["web"], throws: false },
  { name: "only an unknown name", selected: ["wbe"], groups: ["web", "db"], throws: true },
  { name: "several names, none of this node", selected: ["mail", "dns"], groups: ["web"], throws: true },
];

for (const c of cases) {
  test(`checkGroupSelection: ${c.name}`, () => {
    const run = (): void => checkGroupSelection(c.selected, c.groups, "node1");
    if (c.throws) assert.throws(run, UsageError);
    else assert.doesNotThrow(run);
  });
}

test("checkGroupSelection names the node and its groups", () => {
  assert.throws(() => checkGroupSelection(["wbe"], ["web", "db"], "node1"), (err: UsageError) => {
    assert.match(err.message, /-G wbe: this node \(node1\) is a host of no group named "wbe"/);
    assert.match(err.hint ?? "", /its groups: web, db/);
    return true;
  });
});
