import assert from "node:assert/strict";
import { test } from "node:test";
import { pickArgumentPath } from "./argument-path.js";

// The config includes /srv/www; /var/www is a symlink to /srv/www.
const covered = (p: string): boolean => p === "/srv/www" || p.startsWith("/srv/www/") || p === "/" || p === "/srv";

const cases: { name: string; given: string; resolved: string | undefined; want: string }[] = [
  { name: "a path under an include root is kept as given", given: "/srv/www/a", resolved: "/srv/www/a", want: "/srv/www/a" },
  { name: "through a symlinked directory, as csync2's getrealfn resolves it", given: "/var/www/html", resolved: "/srv/www/html", want: "/srv/www/html" },
  { name: "covered as given: the link is not followed", given: "/srv/www/l/x", resolved: "/elsewhere/x", want: "/srv/www/l/x" },
  { name: "covered neither way: as given, to be reported", given: "/tmp/x", resolved: "/private/tmp/x", want: "/tmp/x" },
  { name: "the directory could not be read", given: "/var/www/html", resolved: undefined, want: "/var/www/html" },
];

for (const c of cases) {
  test(`pickArgumentPath(): ${c.name}`, () => assert.equal(pickArgumentPath(c.given, c.resolved, covered), c.want));
}
