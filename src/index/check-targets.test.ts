import assert from "node:assert/strict";
import { test } from "node:test";
import { dedupe, fullTargets, requestedTargets, type CheckTarget } from "./check-targets.js";

const group = { roots: ["/srv/www", "%data%/x", "/etc/hosts"] };
const t = (path: string, recursive: boolean, root: string, isRoot = false): CheckTarget => ({ path, recursive, root, isRoot });

test("fullTargets() walks every root, nested roots once", () => {
  assert.deepEqual(fullTargets({ roots: ["/srv", "/srv/www", "/etc"] }), [t("/etc", true, "/etc", true), t("/srv", true, "/srv", true)]);
});

const cases: readonly { name: string; requests: { path: string; recursive: boolean }[]; want: CheckTarget[] }[] = [
  {
    name: "a file inside a root brings its ancestors up to the root",
    requests: [{ path: "/srv/www/a/b.html", recursive: false }],
    want: [t("/srv/www", false, "/srv/www"), t("/srv/www/a", false, "/srv/www"), t("/srv/www/a/b.html", false, "/srv/www")],
  },
  { name: "the root itself", requests: [{ path: "/srv/www", recursive: true }], want: [t("/srv/www", true, "/srv/www")] },
  {
    name: "a recursive request above roots covers them whole",
    requests: [{ path: "/", recursive: true }],
    want: [t("/etc/hosts", true, "/etc/hosts", true), t("/srv/www", true, "/srv/www", true)],
  },
  { name: "a non-recursive request above a root covers nothing", requests: [{ path: "/srv", recursive: false }], want: [] },
  { name: "outside every root", requests: [{ path: "/tmp/x", recursive: true }], want: [] },
  {
    name: "prefix paths",
    requests: [{ path: "%data%/x/y", recursive: true }],
    want: [t("%data%/x", false, "%data%/x"), t("%data%/x/y", true, "%data%/x")],
  },
  {
    name: "a recursive hint swallows hints below it",
    requests: [{ path: "/srv/www/a/b", recursive: false }, { path: "/srv/www/a", recursive: true }],
    want: [t("/srv/www", false, "/srv/www"), t("/srv/www/a", true, "/srv/www")],
  },
  {
    name: "the same path hinted twice is walked once, recursively if either was",
    requests: [{ path: "/srv/www/q", recursive: false }, { path: "/srv/www/q", recursive: true }],
    want: [t("/srv/www", false, "/srv/www"), t("/srv/www/q", true, "/srv/www")],
  },
];
for (const c of cases) {
  test(`requestedTargets() ${c.name}`, () => assert.deepEqual(requestedTargets(group, c.requests), c.want));
}

test("dedupe() sorts in byte order (a.txt before a/…)", () => {
  const got = dedupe([t("/r/a/b", false, "/r"), t("/r/a.txt", false, "/r"), t("/r/a", false, "/r")]).map((x) => x.path);
  assert.deepEqual(got, ["/r/a", "/r/a.txt", "/r/a/b"]);
});
