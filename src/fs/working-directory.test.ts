import assert from "node:assert/strict";
import { test } from "node:test";
import { workingDirectory } from "./working-directory.js";

test("workingDirectory() reads the bytes again only when Node's string lost some", () => {
  const cases: { cwd: string; bytes: Buffer | Error; want: string }[] = [
    { cwd: "/srv/www", bytes: new Error("not asked"), want: "/srv/www" },
    { cwd: "/srv/caf\uFFFD", bytes: Buffer.concat([Buffer.from("/srv/caf"), Buffer.of(0xe9)]), want: "/srv/caf\uFFFDE9" },
    // A literal U+FFFD in a UTF-8 name is escaped byte by byte, as every path is.
    { cwd: "/srv/\uFFFD", bytes: Buffer.from("/srv/\uFFFD"), want: "/srv/\uFFFDEF\uFFFDBF\uFFFDBD" },
    { cwd: "/srv/caf\uFFFD", bytes: new Error("no /proc"), want: "/srv/caf\uFFFD" },
  ];
  for (const c of cases) {
    const read = (): Buffer => {
      if (c.bytes instanceof Error) throw c.bytes;
      return c.bytes;
    };
    assert.equal(workingDirectory(c.cwd, read), c.want, c.cwd);
  }
});
