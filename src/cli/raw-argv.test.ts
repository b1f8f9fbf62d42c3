import assert from "node:assert/strict";
import { test } from "node:test";
import { rawArgs } from "./raw-argv.js";

const cmdline = (...parts: (string | Buffer)[]) => () => Buffer.concat(parts.flatMap((p) => [Buffer.isBuffer(p) ? p : Buffer.from(p), Buffer.from([0])]));
const latin1 = Buffer.from([0x2f, 0x73, 0x2f, 0x6c, 0x61, 0x74, 0xe9, 0x6e]); // "/s/lat" 0xE9 "n"

test("rawArgs(): an argument Node decoded lossily is read again as bytes, in the escaped form", () => {
  const decoded = ["force", latin1.toString("utf8")];
  assert.ok(decoded[1]!.includes("\uFFFD"));
  assert.deepEqual(rawArgs(decoded, cmdline("node", "--no-warnings", "/bin/peersync", "force", latin1)), ["force", "/s/lat\uFFFDE9n"]);
});

test("rawArgs(): a literal U+FFFD typed in UTF-8 is escaped byte by byte, as the index holds such a name", () => {
  const typed = "/s/a\uFFFDb";
  assert.deepEqual(rawArgs(["check", typed], cmdline("node", "/bin/peersync", "check", typed)), ["check", "/s/a\uFFFDEF\uFFFDBF\uFFFDBDb"]);
});

test("rawArgs(): clean arguments never read /proc; an unreadable or short command line leaves them as decoded", () => {
  const never = () => assert.fail("read the command line for clean arguments");
  assert.deepEqual(rawArgs(["sync", "-v", "/srv/www"], never), ["sync", "-v", "/srv/www"]);
  const lossy = ["force", latin1.toString("utf8")];
  assert.deepEqual(rawArgs(lossy, () => { throw new Error("ENOENT"); }), lossy);
  assert.deepEqual(rawArgs(lossy, cmdline("node")), lossy);
});
