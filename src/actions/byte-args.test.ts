import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { decodeName } from "../fs/name-codec.js";
import { BYTE_ARGS_ENV, BYTE_ARGS_PRELUDE, octalText, shellArgs } from "./byte-args.js";

const bytes = (...parts: (string | number)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.of(p))));

test("octalText() leaves printable ASCII, and writes everything else and the backslash as \\0ooo", () => {
  const cases: [Buffer, string][] = [
    [bytes("/srv/a b"), "/srv/a b"],
    [bytes("caf", 0xe9), "caf\\0351"],
    [bytes("a\\b"), "a\\0134b"],
    [bytes("nl\n"), "nl\\0012"],
  ];
  for (const [raw, want] of cases) assert.equal(octalText(raw), want);
});

test("shellArgs() encodes only the names that are not UTF-8 and lists their positions", () => {
  assert.deepEqual(shellArgs(["/a", "/b"]), { args: ["/a", "/b"], positions: undefined });
  assert.deepEqual(shellArgs(["/a", "/caf\uFFFDE9", "/c"]), { args: ["/a", "/caf\\0351", "/c"], positions: "2" });
});

// Through a real /bin/sh: what "$@" holds after the prelude, byte for byte.
test("the prelude gives the command each name's exact bytes, whatever else the names hold", () => {
  const names = [
    bytes("/srv/plain name"),
    bytes("/srv/caf", 0xe9),
    bytes("/srv/back\\slash-", 0xff),
    bytes("/srv/trailing-", 0xe9, "\n\n"),
    bytes("-n"),
    bytes("/srv/%s%b-", 0xfe),
    bytes("/srv/\uFFFD literal"),
    bytes("/srv/plain after"),
  ];
  const { args, positions } = shellArgs(names.map(decodeName));
  assert.equal(positions, "2 3 4 6 7");
  const out = execFileSync("/bin/sh", ["-c", `${BYTE_ARGS_PRELUDE}printf '%s\\0' "$@"; printf '%s' "\${${BYTE_ARGS_ENV}-unset}"`, "peersync-action", ...args], {
    env: { PATH: "/usr/bin:/bin", [BYTE_ARGS_ENV]: positions },
  });
  const parts = out.toString("latin1").split("\0");
  assert.equal(parts.pop(), "unset", "the prelude leaves nothing of its own behind");
  assert.deepEqual(parts.map((p) => Buffer.from(p, "latin1").toString("hex")), names.map((n) => n.toString("hex")));
});
