import assert from "node:assert/strict";
import { test } from "node:test";
import { eventTarget } from "./lossy-event.js";

test("eventTarget() keeps a path that reads right, and walks the directory above the first lossy name", () => {
  const cases: [path: string, want: { path: string; walk: boolean }][] = [
    ["/srv/www/index.html", { path: "/srv/www/index.html", walk: false }],
    ["/srv/www/caf\uFFFD", { path: "/srv/www", walk: true }],
    ["/srv/www/a/caf\uFFFD/b/x", { path: "/srv/www/a", walk: true }],
    ["/srv/www/a/b\uFFFD/c\uFFFD", { path: "/srv/www/a", walk: true }],
    // Never above the watched root (its name is the config's, and reads right).
    ["/srv/www/\uFFFD", { path: "/srv/www", walk: true }],
  ];
  for (const [path, want] of cases) assert.deepEqual(eventTarget(path, "/srv/www"), want, path);
});
