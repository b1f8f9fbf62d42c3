// Every error the parser and resolver report, each with its exact position, message and hint.
// Texts are whole configs compiled for node "a" with an in-memory key at /etc/csync2.key.

import assert from "node:assert/strict";
import { test } from "node:test";
import { errorsOf, GOOD_KEY } from "./testing.js";

interface ErrorCase {
  readonly name: string;
  readonly text: string;
  readonly node?: string;
  readonly files?: Record<string, string>;
  /** Every error expected, in order: "line:col", message fragment, hint fragment. */
  readonly want: readonly (readonly [at: string, message: string, hint: string])[];
}

const G = "group g {\n  host a b;\n  key csync2.key;\n"; // lines 1-3; the body starts on line 4

const CASES: readonly ErrorCase[] = [
  // Values
  { name: "auto youngr", text: `group g {\n  key csync2.key;\n  auto youngr;\n  host a;\n}`, want: [["3:8", 'Cannot use auto policy "youngr": expected one of none, first, younger', 'did you mean "younger"?']] },
  { name: "auto in capitals (csync2 compares case-sensitively)", text: `${G}  auto NONE;\n}`, want: [["4:8", 'auto policy "NONE"', 'did you mean "none"?']] },
  { name: "backup-generations abc", text: `${G}  backup-generations abc;\n}`, want: [["4:22", 'backup-generations "abc": expected an integer >= 0', "digits only"]] },
  { name: "a relative backup-directory", text: `${G}  backup-directory backups;\n}`, want: [["4:20", 'backup-directory "backups": expected an absolute path', "start the path with /"]] },
  { name: "lock-timeout 5s", text: `lock-timeout 5s;\n${G}}`, want: [["1:14", 'lock-timeout "5s": expected an integer', "digits only"]] },
  { name: "a relative tempdir", text: `tempdir tmp;\n${G}}`, want: [["1:9", 'tempdir "tmp": expected an absolute path', "start the path with /"]] },
  { name: "ignore owner", text: `ignore uid owner;\n${G}}`, want: [["1:12", 'Cannot ignore "owner": expected one of uid, gid, mod', "ignore takes uid, gid and mod"]] },
  { name: "ignore mode (near mod)", text: `ignore mode;\n${G}}`, want: [["1:8", 'Cannot ignore "mode"', 'did you mean "mod"?']] },
  { name: "no-cygwin-lowercase", text: `no-cygwin-lowercase;\n${G}}`, want: [["1:1", "only on Cygwin", "remove it"]] },
  { name: "port 0", text: `port 0;\n${G}}`, want: [["1:6", 'port "0": expected an integer from 1 to 65535', "digits only"]] },
  { name: "a group port 70000", text: `${G}  port 70000;\n}`, want: [["4:8", 'port "70000"', "digits only"]] },
  { name: "debounce without a unit", text: `${G}  debounce 500;\n}`, want: [["4:12", 'debounce "500": expected a duration', "add a unit: 500s or 500ms"]] },
  { name: "rescan-interval 1 hour", text: `rescan-interval 1week;\n${G}}`, want: [["1:17", 'rescan-interval "1week"', "ms, s, m, h or d"]] },
  { name: "watch on (a reserved word)", text: `${G}  watch on;\n}`, want: [["4:9", 'reserved word "on"', 'quote it: "on"']] },
  { name: "watch true", text: `${G}  watch true;\n}`, want: [["4:9", 'Cannot use watch "true": expected yes or no', 'did you mean "yes"?']] },
  { name: "max-delete -1", text: `${G}  max-delete -1;\n}`, want: [["4:14", 'max-delete "-1"', "digits only"]] },
  { name: "an action timeout without a unit", text: `${G}  action { exec "x"; timeout 30; }\n}`, want: [["4:30", 'timeout "30"', "add a unit"]] },
  { name: "a relative action logfile", text: `${G}  action { exec "x"; logfile out.log; }\n}`, want: [["4:30", 'logfile "out.log": expected an absolute path', "start the path with /"]] },
  { name: "a state-dir that is relative", text: `state-dir state;\n${G}}`, want: [["1:11", 'state-dir "state"', "start the path with /"]] },
  { name: "a bad port in name@address:port", text: `group g {\n  host a b@10.0.0.2:99999;\n  key csync2.key;\n}`, want: [["2:12", 'host address "10.0.0.2:99999": port "99999"', "NAME@ADDRESS:PORT"]] },
  { name: "a host name with a port but no @", text: `group g {\n  host a b:30866;\n  key csync2.key;\n}`, want: [["2:10", 'host name "b:30866"', "write b@ADDRESS:30866"]] },
  // Duplicates
  { name: "a host listed twice", text: `group g {\n  host a b;\n  host (b);\n  key csync2.key;\n}`, want: [["3:9", 'Cannot list host "b" twice in group "g": first listed at 2:10', "remove one"]] },
  { name: "a host listed twice in different case", text: `group g {\n  host a B b;\n  key csync2.key;\n}`, want: [["2:12", 'host "b" twice', "remove one"]] },
  { name: "two hosts with one address and port", text: `group g {\n  host a b@x c@x;\n  key csync2.key;\n}`, want: [["2:14", 'address "x" port 30865 for host "c"', "own address or port"]] },
  { name: "two keys", text: `${G}  key csync2.key;\n}`, want: [["4:3", 'Cannot use "key" twice in group "g": first set at 3:3', "keep one key"]] },
  { name: "two auto settings", text: `${G}  auto first;\n  auto none;\n}`, want: [["5:3", '"auto" twice', "keep one auto"]] },
  { name: "two backup-directory statements", text: `${G}  backup-directory /a;\n  backup-directory /b;\n}`, want: [["5:3", '"backup-directory" twice', "keep one"]] },
  { name: "two global lock-timeouts", text: `lock-timeout 1;\nlock-timeout 2;\n${G}}`, want: [["2:1", '"lock-timeout" twice in the global section', "keep one"]] },
  { name: "two logfiles in an action", text: `${G}  action {\n    exec "x";\n    logfile /a;\n    logfile /b;\n  }\n}`, want: [["7:5", '"logfile" twice in an action block: first set at 6:5', "keep one"]] },
  { name: "two groups with one name", text: `${G}}\ngroup g {\n  host a;\n  key csync2.key;\n}`, want: [["5:7", 'Cannot define group "g" twice: first defined at 1:7', "rename one"]] },
  { name: "two prefixes with one name", text: `prefix p { on *: /a; }\nprefix p { on *: /b; }\n${G}}`, want: [["2:8", 'Cannot define prefix "p" twice', "merge the on lines"]] },
  // Keys
  { name: "a missing key file", text: `group g {\n  host a;\n  key /etc/nope.key;\n}`, want: [["3:7", 'Cannot read key file "/etc/nope.key": no such file', "peersync -k /etc/nope.key"]] },
  { name: "a short key", files: { "/etc/short.key": "abc\n" }, text: `group g {\n  host a;\n  key short.key;\n}`, want: [["3:7", "too short (3 characters, at least 32)", "`peersync -k NEWFILE` (it never overwrites a file)"]] },
  { name: "a key with a bad character", files: { "/etc/bad.key": `${GOOD_KEY.slice(0, 40)}-x\n` }, text: `group g {\n  host a;\n  key bad.key;\n}`, want: [["3:7", 'character "-" at column 41', "only A-Z a-z 0-9 . _"]] },
  { name: "an empty key file", files: { "/etc/empty.key": "" }, text: `group g {\n  host a;\n  key empty.key;\n}`, want: [["3:7", "it is empty", "peersync -k"]] },
  { name: "a group without a key", text: `group g {\n  host a;\n}`, want: [["1:1", 'Cannot use group "g": it has no key', "add key"]] },
  { name: "a missing key in a group this node is not in (csync2 reads every key)", text: `${G}}\ngroup h {\n  host x;\n  key /etc/gone.key;\n}`, want: [["7:7", "/etc/gone.key", "peersync -k"]] },
  // Prefixes and patterns
  { name: "a relative prefix path", text: `prefix p {\n  on a: /x;\n  on *: y;\n}\n${G}}`, want: [["3:9", 'path of prefix "p" "y": expected an absolute path', "start the path with /"]] },
  { name: "on HOST:PATH without a space", text: `prefix p {\n  on a:/x;\n}\n${G}}`, want: [["2:6", '"a:/x" is one word', "on a: /x;"]] },
  { name: "a prefix entry without on", text: `prefix p {\n  one *: /x;\n}\n${G}}`, want: [["2:3", 'expected "on" but found "one"', 'did you mean "on"?']] },
  { name: "a prefix with a bad name", text: `prefix "p q" { on *: /x; }\n${G}}`, want: [["1:8", 'prefix name "p q"', "rename"]] },
  { name: "an undeclared prefix in an include", text: `${G}  include %www%/x;\n}`, want: [["4:11", 'Cannot use prefix "%www%" on host "a"', "declare it: prefix www"]] },
  { name: "a prefix not defined for this host", text: `prefix www { on b: /srv; }\n${G}  include %www%;\n}`, want: [["5:11", "not defined for this host", 'add an "on a: PATH;"']] },
  { name: "a pattern with a glob in the prefix name", text: `prefix www { on *: /srv; }\n${G}  include %w*%/x;\n}`, want: [["5:11", "must be %name% or %name%/path", "cannot use wildcards"]] },
  { name: "compare with several patterns (csync2 would include all but the last)", text: `${G}  compare /a /b;\n}`, want: [["4:11", 'Cannot use "compare" with 2 patterns', "one compare statement per pattern"]] },
  // Actions
  { name: "an unquoted exec command", text: `${G}  action {\n    exec /usr/sbin/nginx -s reload;\n  }\n}`, want: [["5:26", "action with 3 exec commands", 'exec "/usr/sbin/nginx -s reload";']] },
  { name: "an action without exec", text: `${G}  action { pattern /etc/x; }\n}`, want: [["4:3", "action without exec", 'add exec "COMMAND";']] },
  { name: "a basename action pattern", text: `${G}  action { pattern *.conf; exec "x"; }\n}`, want: [["4:20", 'action pattern "*.conf": action patterns match whole paths', "start it with / or %prefix%"]] },
  // Membership
  { name: "a node in no group", node: "z", text: `${G}}`, want: [["1:1", 'Cannot find host "z" in any group', "-N NAME"]] },
  // Syntax
  { name: "a missing semicolon", text: `${G}  include /etc\n  exclude /etc/x;\n}`, want: [["5:3", 'Cannot parse "include": expected ";" before "exclude"', 'add ";" after the "include" statement']] },
  { name: "a semicolon after a group", text: `${G}};`, want: [["4:2", 'Cannot parse ";" at top level: empty statement', "end without a semicolon"]] },
  { name: "a semicolon after an action block", text: `${G}  action { exec "x"; };\n}`, want: [["4:23", 'Cannot parse ";" in a group block', "ends without a semicolon"]] },
  { name: "{ glued to the first statement", text: `group g {host a;\n  key csync2.key;\n}`, want: [["1:9", '"{host" is one word', 'space after "{"']] },
  { name: "{ glued to the group name", text: `group g{ host a;\n  key csync2.key;\n}`, want: [["1:7", '"g{" is one word', 'space before "{"']] },
  { name: "a reserved word as a host name", text: `group g {\n  host a on;\n  key csync2.key;\n}`, want: [["2:10", 'reserved word "on"', 'quote it: "on"']] },
  { name: "a reserved word as a pattern", text: `${G}  include /etc key;\n}`, want: [["4:16", 'expected ";" before "key"', 'quote "key" if it is a value'], ["4:16", 'Cannot parse "key": expected 1 value, found 0', "one value"]] },
  { name: "an unknown group statement", text: `${G}  exlude /tmp;\n}`, want: [["4:3", 'Cannot parse statement "exlude" in a group block: an unknown keyword', 'did you mean "exclude"?']] },
  { name: "an unknown top-level statement", text: `gruop g { }\n${G}}`, want: [["1:1", 'Cannot parse statement "gruop" at top level', 'did you mean "group"?']] },
  { name: "host at top level", text: `host a;\n${G}}`, want: [["1:1", 'Cannot use "host" at top level: it belongs inside a group block', "closing }"]] },
  { name: "key inside an action", text: `${G}  action { exec "x"; key k; }\n}`, want: [["4:22", 'Cannot use "key" in an action block: it belongs inside a group block', "check the braces"]] },
  { name: "prefix inside a group", text: `${G}  prefix p { on *: /x; }\n}`, want: [["4:3", 'Cannot use "prefix" in a group block: it belongs at top level', "check the braces"]] },
  { name: "a missing ; before the next statement", text: `${G}  auto younger\n  watch no;\n}`, want: [["5:3", 'Cannot parse "auto": expected 1 value, found 3', "end the statement after its value (auto younger;)"]] },
  { name: "key with two values", text: `group g {\n  host a;\n  key a.key b.key;\n}`, want: [["3:13", 'Cannot parse "key": expected 1 value, found 2', 'key "a.key b.key";']] },
  { name: "nossl with one pattern", text: `nossl *;\n${G}}`, want: [["1:1", 'Cannot parse "nossl": expected 2 values, found 1', "2 values"]] },
  { name: "do-local with a value", text: `${G}  action { exec "x"; do-local yes; }\n}`, want: [["4:31", 'Cannot parse "do-local": expected no value, found 1', "write it alone: do-local;"]] },
  { name: "nested receive-only parentheses", text: `group g {\n  host a (b (c));\n  key csync2.key;\n}`, want: [["2:10", '"(" is not closed', "close the list"]] },
  { name: "an @ without an address", text: `group g {\n  host a b@;\n  key csync2.key;\n}`, want: [["2:12", 'expected an address after "@"', "NAME@ADDRESS"]] },
  { name: "an @ inside a pattern", text: `${G}  include /a@b;\n}`, want: [["4:13", 'Cannot parse "include": unexpected "@"', 'quote a value that contains "@"']] },
  { name: "a pattern ending in a colon", text: `${G}  include /a:;\n}`, want: [["4:13", 'unexpected ":"', "ends with a colon"]] },
  { name: "an unclosed group", text: `${G}  include /etc;\n`, want: [["1:1", 'Cannot parse group "g": missing "}" at end of file', "close the group block"]] },
  { name: "a stray closing brace", text: `${G}}\n}`, want: [["5:1", 'Cannot parse "}" at top level', "expected one of group"]] },
  { name: "an action without a brace", text: `${G}  action exec "x";\n}`, want: [["4:10", 'Cannot parse action: expected "{" but found "exec"', 'add "{"']] },
  { name: "a missing include file", text: `config /etc/missing.cfg;\n${G}}`, want: [["1:8", 'Cannot read included config file "/etc/missing.cfg"', ""]] },
];

for (const c of CASES) {
  const first = c.want[0] as readonly [string, string, string];
  test(`compile() rejects ${c.name} with a hint at ${first[0]}`, () => {
    const errors = errorsOf(c.text, { node: c.node, files: c.files });
    const got = errors.map((e) => [`${e.location?.line}:${e.location?.column}`, e.message, e.hint ?? ""]);
    assert.equal(got.length, c.want.length, `errors: ${JSON.stringify(got, null, 1)}`);
    c.want.forEach(([at, message, hint], i) => {
      const [gotAt, gotMessage, gotHint] = got[i] as [string, string, string];
      assert.equal(gotAt, at, `position of ${gotMessage}`);
      assert.ok(gotMessage.includes(message), `message ${JSON.stringify(gotMessage)} lacks ${JSON.stringify(message)}`);
      assert.ok(gotHint.includes(hint), `hint ${JSON.stringify(gotHint)} lacks ${JSON.stringify(hint)}`);
      assert.ok(gotMessage.startsWith(`/etc/`), "the message starts with file:line:col");
    });
  });
}

test("compile() reports every error of a config, in file order, not just the first", () => {
  const text = `lock-timeout x;\ngroup g {\n  host a a;\n  key csync2.key;\n  auto youngr;\n  exlude /x;\n}\nhost b;\n`;
  const errors = errorsOf(text);
  assert.deepEqual(errors.map((e) => `${e.location?.line}:${e.location?.column}`), ["1:14", "3:10", "5:8", "6:3", "8:1"]);
});
