import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { localPathOf, logicalPathOf } from "./command-support.js";

// %www% is /srv/www on this node.
const config = {
  toLogicalPath: (local: string) => (local.startsWith("/srv/www") ? `%www%${local.slice("/srv/www".length)}` : local),
  toLocalPath: (logical: string) => (logical.startsWith("%www%") ? `/srv/www${logical.slice("%www%".length)}` : logical),
};

test("logicalPathOf() and localPathOf() take a path as peersync prints it or as it is on disk", () => {
  const cases: [given: string, logical: string, local: string][] = [
    ["%www%/index.html", "%www%/index.html", "/srv/www/index.html"],
    ["/srv/www/index.html", "%www%/index.html", "/srv/www/index.html"],
    ["/etc/hosts", "/etc/hosts", "/etc/hosts"],
    ["rel/x", resolve("rel/x"), resolve("rel/x")],
  ];
  for (const [given, logical, local] of cases) {
    assert.equal(logicalPathOf(config, given), logical, given);
    assert.equal(localPathOf(config, given), local, given);
  }
});
