// Property: whatever the text, compiling it either gives a Config or throws ConfigErrors (never
// another error, never a hang), and every error carries a position inside the text.
// PEERSYNC_FUZZ_RUNS raises the number of runs (make fuzz).

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ConfigErrors } from "../errors.js";
import { compileText, GOOD_KEY } from "./testing.js";

const RUNS = Number(process.env.PEERSYNC_FUZZ_RUNS ?? 250);

const VALID = `# a valid config touching most statements
ignore uid;
lock-timeout 20;
port 4000;
prefix www { on a: /srv/www; on *: /var/www; }
group all {
  host a b@10.0.0.2:30866 (c);
  key csync2.key;
  include /etc/hosts %www%;
  exclude *~ .*;
  compare /etc/motd;
  auto younger;
  action {
    pattern /etc/nginx/*;
    exec "systemctl reload nginx";
    logfile "/var/log/a.log";
    do-local;
    timeout 30s;
  }
  backup-directory /var/backups;
  backup-generations 3;
  watch yes;
  debounce 500ms;
}
config parts/extra.inc;
`;
const FILES = {
  "/etc/parts/extra.inc": "group extra { host a d; key csync2.key; include /opt; }\n",
  "/etc/other.key": `${GOOD_KEY}\n`,
};

const TOKENS = [
  "group", "host", "key", "include", "exclude", "compare", "auto", "action", "pattern", "exec", "logfile",
  "do-local", "do-local-only", "prefix", "on", "nossl", "ignore", "tempdir", "lock-timeout", "database",
  "backup-directory", "backup-generations", "no-cygwin-lowercase", "config", "port", "watch", "debounce",
  "rescan-interval", "max-delete", "state-dir", "timeout", "{", "}", "(", ")", ";", ":", "@", "#", '"', "\n",
  " ", "a", "b", "/etc", "%www%", "%www%/x", "*", "**", "[", "csync2.key", "other.key", "younger", "youngr",
  "yes", "1h", "30866", "x:1", "[::1]:5", "parts/extra.inc", "\\", "\r",
];

function compiles(text: string): void {
  try {
    compileText(text, { files: FILES });
  } catch (err) {
    if (!(err instanceof ConfigErrors)) throw err;
    assert.ok(err.errors.length > 0);
    for (const e of err.errors) {
      assert.ok(e.location !== undefined, `no location: ${e.message}`);
      assert.ok(e.location.line >= 1 && e.location.column >= 1);
    }
  }
}

test("compile() accepts the base config of the property tests", () => {
  assert.equal(compileText(VALID, { files: FILES }).groups.length, 2);
});

test("compile() throws only ConfigErrors on random text", { timeout: 60_000 }, () => {
  fc.assert(fc.property(fc.string({ maxLength: 300, unit: "binary" }), compiles), { numRuns: RUNS });
});

test("compile() throws only ConfigErrors on random token soup", { timeout: 60_000 }, () => {
  const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((ts) => ts.join(" "));
  fc.assert(fc.property(soup, compiles), { numRuns: RUNS });
});

type Mutation = { kind: "delete" | "insert" | "replace" | "duplicate"; at: number; length: number; token: string };

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    if (m.kind === "delete") out = out.slice(0, at) + out.slice(at + m.length);
    else if (m.kind === "insert") out = `${out.slice(0, at)}${m.token}${out.slice(at)}`;
    else if (m.kind === "replace") out = `${out.slice(0, at)}${m.token}${out.slice(at + m.length)}`;
    else out = `${out.slice(0, at)}${out.slice(at, at + m.length * 4)}${out.slice(at)}`;
  }
  return out;
}

test("compile() throws only ConfigErrors on mutations of a valid config", { timeout: 60_000 }, () => {
  const mutation = fc.record({
    kind: fc.constantFrom<Mutation["kind"]>("delete", "insert", "replace", "duplicate"),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 12 }),
    token: fc.constantFrom(...TOKENS),
  });
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => compiles(mutate(VALID, ms))), { numRuns: RUNS * 2 });
});

test("Group.match() never throws and always classifies random paths", { timeout: 60_000 }, () => {
  const g = compileText(VALID, { files: FILES }).groups[0];
  assert.ok(g !== undefined);
  const path = fc.array(fc.constantFrom("etc", "hosts", "nginx", "%www%", ".git", "a~", "*", "x"), { maxLength: 6 }).map((s) => `/${s.join("/")}`);
  fc.assert(fc.property(path, (p) => ["match", "descend", "ignore"].includes(g.match(p))), { numRuns: RUNS });
});
