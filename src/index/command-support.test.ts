import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import type { Config } from "../config/types.js";
import { shownName } from "../core/shown-name.js";
import { UnknownPrefixError } from "../errors.js";
import { localPathOf, logicalPathOf, readsTwoWays } from "./command-support.js";

// %www% is /srv/www on this node.
const config = {
  toLogicalPath: (local: string) => (local.startsWith("/srv/www") ? `%www%${local.slice("/srv/www".length)}` : local),
  toLocalPath: (logical: string) => (logical.startsWith("%www%") ? `/srv/www${logical.slice("%www%".length)}` : logical),
  groups: [{ roots: ["%www%", "/etc"] }] as unknown as Config["groups"],
};

test("a path through a symlinked directory is resolved as csync2 does, when only that form is included", () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "args-")));
  try {
    mkdirSync(join(dir, "srv/www/html"), { recursive: true });
    symlinkSync(join(dir, "srv/www"), join(dir, "www-link"));
    const identity = (p: string): string => p;
    const real = { toLogicalPath: identity, toLocalPath: identity, groups: [{ roots: [join(dir, "srv/www")] }] as unknown as Config["groups"] };
    assert.equal(localPathOf(real, join(dir, "www-link/html")), join(dir, "srv/www/html"));
    assert.equal(logicalPathOf(real, join(dir, "www-link/html")), join(dir, "srv/www/html"));
    // Included as given (the root is the link's form): kept, not resolved.
    const viaLink = { ...real, groups: [{ roots: [join(dir, "www-link")] }] as unknown as Config["groups"] };
    assert.equal(localPathOf(viaLink, join(dir, "www-link/html")), join(dir, "www-link/html"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

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

test("a name as output shows it names the file when only that file exists", () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "args-")));
  try {
    const root = join(dir, "www");
    mkdirSync(root);
    writeFileSync(join(root, "a\nb"), "");
    writeFileSync(Buffer.from(`${root}/lat\xe9in`, "latin1"), "");
    const www = {
      toLogicalPath: (local: string) => (local.startsWith(root) ? `%www%${local.slice(root.length)}` : local),
      toLocalPath: (logical: string) => (logical.startsWith("%www%") ? `${root}${logical.slice("%www%".length)}` : logical),
      groups: [{ roots: ["%www%"] }] as unknown as Config["groups"],
    };
    assert.equal(localPathOf(www, `${root}/a\\#012b`), join(root, "a\nb"));
    assert.equal(logicalPathOf(www, "%www%/a\\#012b"), "%www%/a\nb");
    // As cli/raw-argv.ts passes on a typed U+FFFD: its own bytes escaped.
    assert.equal(logicalPathOf(www, "%www%/lat\uFFFDEF\uFFFDBF\uFFFDBDE9in"), "%www%/lat\uFFFDE9in");
    // A file that does not exist in either form: as given (a check records a deletion so).
    assert.equal(localPathOf(www, `${root}/gone\\#012`), join(root, "gone\\#012"));
    // ... unless the index holds the shown one: a deletion, as list-pending lists it.
    const held = (logical: string): boolean => logical === "%www%/gone\n" || logical === "%www%/lat\uFFFDE8in";
    assert.equal(localPathOf(www, `${root}/gone\\#012`, { held }), join(root, "gone\n"));
    assert.equal(logicalPathOf(www, "%www%/gone\\#012", { held }), "%www%/gone\n");
    assert.equal(logicalPathOf(www, "%www%/lat\uFFFDEF\uFFFDBF\uFFFDBDE8in", { held }), "%www%/lat\uFFFDE8in");
    assert.equal(logicalPathOf(www, "%www%/other\\#012", { held }), "%www%/other\\#012");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a symlinked directory whose target's name is not UTF-8 is resolved through its bytes", () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "args-")));
  try {
    const target = Buffer.from(`${dir}/w\xe9b`, "latin1");
    mkdirSync(Buffer.concat([target, Buffer.from("/html")]), { recursive: true });
    symlinkSync(target, join(dir, "www-link"));
    // The root as the config holds it: escaped as fs/name-codec.ts escapes it.
    const root = join(dir, "w\uFFFDE9b");
    const identity = (p: string): string => p;
    const config = { toLogicalPath: identity, toLocalPath: identity, groups: [{ roots: [root] }] as unknown as Config["groups"] };
    assert.equal(localPathOf(config, join(dir, "www-link/html")), join(root, "html"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an undefined prefix is reported with the argument as it was typed", () => {
  const config = {
    toLogicalPath: (local: string) => local,
    toLocalPath: (logical: string): string => {
      if (logical.startsWith("%nope%")) throw new UnknownPrefixError(shownName(logical), "nope", "h");
      return logical;
    },
    groups: [] as unknown as Config["groups"],
  };
  // A U+FFFD and hex digits pasted from output, as cli/raw-argv.ts hands it on.
  assert.throws(() => localPathOf(config, "%nope%/x\uFFFDEF\uFFFDBF\uFFFDBDE9"), {
    name: "UnknownPrefixError",
    message: 'Cannot map path "%nope%/x\uFFFDE9": prefix "%nope%" is not defined for host "h"',
  });
  assert.throws(() => localPathOf(config, "%nope%/a\nb"), { message: /^Cannot map path "%nope%\/a\\#012b"/ });
});

test("readsTwoWays() is false for plain arguments: hint then opens no index", () => {
  assert.equal(readsTwoWays(["/srv/www/a", "%www%/b c", "/s/lat\uFFFDE9in"]), false);
  assert.equal(readsTwoWays(["/srv/www/a", "%www%/a\\#012b"]), true);
});
