import assert from "node:assert/strict";
import { test } from "node:test";
import { compileText, group } from "../config/testing.js";
import type { Action } from "../config/types.js";
import { actionIdOf, actionMatches, planActions, runsOnSide, type ActionSide } from "./action-match.js";

function act(patterns: readonly string[], more: Partial<Action> = {}): Action {
  return {
    patterns,
    exec: `run ${patterns.join(",")}`,
    logfile: "/dev/null",
    doLocal: false,
    doLocalOnly: false,
    timeoutMs: 60_000,
    at: { file: "test.cfg", line: 1, column: 1 },
    ...more,
  };
}

const prefixes = new Map([
  ["www", "/srv/www"],
  ["home", "/export/[users]"],
]);

const matchCases: readonly [name: string, patterns: readonly string[], path: string, want: boolean][] = [
  ["no pattern matches every file", [], "/anything/at/all", true],
  ["exact file", ["/etc/nginx/nginx.conf"], "/etc/nginx/nginx.conf", true],
  ["directory matches what is below it (FNM_LEADING_DIR)", ["/etc/nginx"], "/etc/nginx/sites/a.conf", true],
  ["directory does not match a longer sibling", ["/etc/nginx"], "/etc/nginx2/a", false],
  ["star stays in its segment but leading dir covers below", ["/etc/nginx/*"], "/etc/nginx/sites/a", true],
  ["star in the middle does not cross /", ["/etc/*/a.conf"], "/etc/x/y/a.conf", false],
  ["** makes every star cross /", ["/etc/**/a.conf"], "/etc/x/y/a.conf", true],
  ["** lets a single star cross / too", ["/etc/*.conf**"], "/etc/x/y.conf", true],
  ["basename pattern never matches a full path (csync2)", ["*.conf"], "/etc/a.conf", false],
  ["** basename-like pattern matches anywhere", ["**.conf"], "/etc/x/a.conf", true],
  ["star matches a leading dot", ["/etc/*"], "/etc/.hidden", true],
  ["any of several patterns", ["/a", "/b"], "/b/c", true],
  ["none of several patterns", ["/a", "/b"], "/c/b", false],
  ["prefix pattern, prefix path", ["%www%/*.html"], "%www%/index.html", true],
  ["prefix pattern covers its whole tree", ["%www%"], "%www%/a/b/c", true],
  ["prefix pattern, other prefix", ["%www%/*"], "%home%/bob", false],
  ["absolute pattern matches an expanded prefix path", ["/srv/www/*.html"], "%www%/index.html", true],
  ["prefix pattern matches an absolute path under its directory", ["%www%/a"], "/srv/www/a", true],
  ["absolute pattern outside the prefix directory", ["/srv/other/*"], "%www%/index.html", false],
  ["glob characters in a prefix directory are literal", ["%home%/bob"], "/export/[users]/bob", true],
  ["glob characters in a prefix directory do not glob", ["%home%/bob"], "/export/u/bob", false],
  ["unknown prefix matches only its own logical form", ["%nope%/x"], "%nope%/x", true],
  ["unknown prefix in a path does not expand", ["/srv/www/x"], "%nope%/x", false],
  ["prefix name must be a whole segment", ["%www%"], "%www%x", false],
  ["dir/* does not match the directory itself", ["%www%/conf/*"], "%www%/conf", false],
  ["bare dir matches the directory itself", ["%www%/conf"], "%www%/conf", true],
  ["a name with a newline matches under its directory", ["%www%/conf/*"], "%www%/conf/new\nline", true],
  ["a newline name matches through the expanded prefix", ["/srv/www/conf/*"], "%www%/conf/new\nline", true],
  ["star matches a newline inside a name", ["/etc/a*b"], "/etc/a\nb", true],
  ["shell characters in a name are plain characters", ["%www%/*"], "%www%/$(touch x);`y` 'q\"", true],
  ["shell characters in a pattern are plain characters", ["/etc/a;b"], "/etc/a;b", true],
  ["a space in the pattern matches only a space", ["/etc/with space"], "/etc/with_space", false],
];

for (const [name, patterns, path, want] of matchCases) {
  test(`actionMatches() ${name}: ${JSON.stringify(patterns)} vs ${path} → ${want}`, () => {
    assert.equal(actionMatches(act(patterns), path, prefixes), want);
  });
}

test("actionMatches() accepts prefixes keyed as %name%", () => {
  assert.equal(actionMatches(act(["/srv/www/a"]), "%www%/a", new Map([["%www%", "/srv/www"]])), true);
});

const sideCases: readonly [doLocal: boolean, doLocalOnly: boolean, side: ActionSide, want: boolean][] = [
  [false, false, "receiver", true],
  [false, false, "sender", false],
  [true, false, "receiver", true],
  [true, false, "sender", true],
  [false, true, "receiver", false],
  [false, true, "sender", true],
  [true, true, "receiver", false],
  [true, true, "sender", true],
];
for (const [doLocal, doLocalOnly, side, want] of sideCases) {
  test(`runsOnSide() do-local=${doLocal} do-local-only=${doLocalOnly} on the ${side} → ${want}`, () => {
    assert.equal(runsOnSide({ doLocal, doLocalOnly }, side), want);
  });
}

test("actionIdOf() depends on exec and logfile only", () => {
  const a = act(["/a"], { exec: "reload", logfile: "/var/log/x" });
  assert.equal(actionIdOf(a), actionIdOf(act(["/b"], { exec: "reload", logfile: "/var/log/x", timeoutMs: 5 })));
  assert.notEqual(actionIdOf(a), actionIdOf(act(["/a"], { exec: "reload2", logfile: "/var/log/x" })));
  assert.notEqual(actionIdOf(a), actionIdOf(act(["/a"], { exec: "reload", logfile: "/var/log/y" })));
  assert.match(actionIdOf(a), /^a[0-9a-f]{16}$/);
});

test("planActions() runs each matching action once with only its matching paths", () => {
  const nginx = act(["/etc/nginx"], { exec: "nginx -s reload" });
  const php = act(["/etc/php/*.ini"], { exec: "systemctl reload php" });
  const idle = act(["/etc/idle"], { exec: "never" });
  const changed = [
    ...Array.from({ length: 50 }, (_, i) => `/etc/nginx/site${i}.conf`),
    ...Array.from({ length: 100 }, (_, i) => `/var/www/page${i}.html`),
    "/etc/php/php.ini",
    "/etc/nginx/site0.conf",
  ];
  const runs = planActions({ group: { name: "web", actions: [nginx, php, idle] }, changedPaths: changed, side: "receiver" });
  assert.deepEqual(
    runs.map((r) => [r.group, r.action.exec, r.paths.length]),
    [
      ["web", "nginx -s reload", 50],
      ["web", "systemctl reload php", 1],
    ],
  );
  assert.equal(runs[0]?.actionId, actionIdOf(nginx));
  assert.deepEqual(runs[0]?.paths.slice(0, 2), ["/etc/nginx/site0.conf", "/etc/nginx/site1.conf"]);
});

test("planActions() merges actions with the same exec and logfile into one run", () => {
  const a = act(["/a"], { exec: "same" });
  const b = act(["/b"], { exec: "same" });
  const runs = planActions({ group: { name: "g", actions: [a, b] }, changedPaths: ["/b/1", "/a/1"], side: "receiver" });
  assert.equal(runs.length, 1);
  assert.deepEqual(runs[0]?.paths, ["/b/1", "/a/1"]); // input order
});

test("planActions() applies the side rule", () => {
  const actions = [act([], { exec: "recv" }), act([], { exec: "both", doLocal: true }), act([], { exec: "send", doLocalOnly: true })];
  const execs = (side: ActionSide) =>
    planActions({ group: { name: "g", actions }, changedPaths: ["/x"], side }).map((r) => r.action.exec);
  assert.deepEqual(execs("receiver"), ["recv", "both"]);
  assert.deepEqual(execs("sender"), ["both", "send"]);
});

test("planActions() plans nothing for an empty batch", () => {
  assert.deepEqual(planActions({ group: { name: "g", actions: [act([])] }, changedPaths: [], side: "receiver" }), []);
});

test("planActions() with a compiled csync2.cfg: prefixes, do-local-only and the timeout extension", () => {
  const config = compileText(
    `prefix www { on a: /srv/www; on *: /var/www; }\n` +
      group(`  include %www%;\n  include /etc/nginx;\n` +
        `  action { pattern %www%/conf/*; exec "reload %%"; logfile /var/log/a.log; timeout 30s; }\n` +
        `  action { pattern /etc/nginx; exec "nginx -t"; do-local-only; }\n` +
        `  action { exec "every file"; }`),
  );
  const group0 = config.groups[0];
  assert.ok(group0);
  const changed = ["%www%/conf/site.conf", "%www%/html/index.html", "/etc/nginx/nginx.conf"];
  const plan = (side: ActionSide) =>
    planActions({ group: group0, changedPaths: changed, side, prefixes: config.prefixes }).map((r) => ({
      exec: r.action.exec,
      timeoutMs: r.action.timeoutMs,
      local: r.paths.map(config.toLocalPath),
    }));
  const receiver = plan("receiver").sort((x, y) => x.exec.localeCompare(y.exec));
  assert.deepEqual(receiver, [
    { exec: "every file", timeoutMs: 60_000, local: ["/srv/www/conf/site.conf", "/srv/www/html/index.html", "/etc/nginx/nginx.conf"] },
    { exec: "reload %%", timeoutMs: 30_000, local: ["/srv/www/conf/site.conf"] },
  ]);
  assert.deepEqual(plan("sender"), [{ exec: "nginx -t", timeoutMs: 60_000, local: ["/etc/nginx/nginx.conf"] }]);
});
