import assert from "node:assert/strict";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { toLogicalPath } from "../core/path.js";
import { pickRoot, resolveSafePath, UnsafePathError, type SafeRoot, type UnsafeReason } from "./safe-path.js";

// Layout under a temp dir:
//   outside/secret          a file no write may reach
//   www/                    the root of prefix %www%
//   www/a/b/file
//   www/link-out -> ../outside      symlink to a dir outside the root
//   www/link-in  -> a               symlink to a dir inside the root
//   www/plain                a regular file
//   www/a/final-link -> b/file
//   real-root/ and root-link -> real-root   (a root that is itself a symlink)
let base = "";
let root: SafeRoot;
before(async () => {
  base = await fsp.mkdtemp(join(tmpdir(), "peersync-safe-"));
  await fsp.mkdir(join(base, "outside"));
  await fsp.writeFile(join(base, "outside", "secret"), "s");
  await fsp.mkdir(join(base, "www", "a", "b"), { recursive: true });
  await fsp.writeFile(join(base, "www", "a", "b", "file"), "f");
  await fsp.symlink("../outside", join(base, "www", "link-out"));
  await fsp.symlink("a", join(base, "www", "link-in"));
  await fsp.writeFile(join(base, "www", "plain"), "p");
  await fsp.symlink("b/file", join(base, "www", "a", "final-link"));
  await fsp.mkdir(join(base, "real-root"));
  await fsp.symlink("real-root", join(base, "root-link"));
  root = { logical: toLogicalPath("%www%"), local: join(base, "www") };
});
after(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});

const p = toLogicalPath;

const good: { name: string; path: string; allowFinalSymlink?: boolean; local: string; existing: string | undefined }[] = [
  { name: "a nested file", path: "%www%/a/b/file", local: "www/a/b/file", existing: "file" },
  { name: "a missing final component", path: "%www%/a/b/new", local: "www/a/b/new", existing: undefined },
  { name: "a directory", path: "%www%/a/b", local: "www/a/b", existing: "dir" },
  { name: "the root itself", path: "%www%", local: "www", existing: "dir" },
  { name: "a final symlink when the entry is one", path: "%www%/a/final-link", allowFinalSymlink: true, local: "www/a/final-link", existing: "symlink" },
  { name: "a final symlink pointing outside, as a link, when allowed", path: "%www%/link-out", allowFinalSymlink: true, local: "www/link-out", existing: "symlink" },
];
for (const c of good) {
  test(`resolveSafePath() resolves ${c.name}`, async () => {
    const got = await resolveSafePath(root, p(c.path), { allowFinalSymlink: c.allowFinalSymlink ?? false });
    assert.deepEqual(got, { local: join(base, c.local), existing: c.existing });
  });
}

const bad: { name: string; path: string; reason: UnsafeReason; at: string }[] = [
  { name: "a write through a symlinked parent that escapes the root", path: "%www%/link-out/secret", reason: "symlink-parent", at: "www/link-out" },
  { name: "a new file through a symlinked parent that escapes the root", path: "%www%/link-out/new", reason: "symlink-parent", at: "www/link-out" },
  { name: "a symlinked parent even when it points inside the root", path: "%www%/link-in/b/file", reason: "symlink-parent", at: "www/link-in" },
  { name: "a regular file used as a parent", path: "%www%/plain/x", reason: "not-directory", at: "www/plain" },
  { name: "a missing parent", path: "%www%/nope/x", reason: "missing-parent", at: "www/nope" },
  { name: "a final symlink when the entry is not one", path: "%www%/a/final-link", reason: "final-symlink", at: "www/a/final-link" },
  { name: "a path under another root", path: "%other%/x", reason: "outside-root", at: "www" },
  { name: "an absolute path when the root is a prefix", path: "/etc/passwd", reason: "outside-root", at: "www" },
];
for (const c of bad) {
  test(`resolveSafePath() refuses ${c.name}`, async () => {
    await assert.rejects(resolveSafePath(root, p(c.path)), (err: unknown) => {
      assert.ok(err instanceof UnsafePathError);
      assert.equal(err.code, "UNSAFE_PATH");
      assert.equal(err.reason, c.reason);
      assert.equal(err.at, join(base, c.at));
      assert.match(err.message, new RegExp(`^Cannot use path "${c.path.replaceAll("%", "\\%")}": `));
      return true;
    });
  });
}

test("resolveSafePath() creates missing parents one checked component at a time", async () => {
  const got = await resolveSafePath(root, p("%www%/made/deep/file"), { createParentsMode: 0o750 });
  assert.equal(got.local, join(base, "www", "made", "deep", "file"));
  const s = await fsp.lstat(join(base, "www", "made", "deep"));
  assert.ok(s.isDirectory());
  assert.equal(s.mode & 0o777, 0o750 & ~process.umask());
});

test("resolveSafePath() never creates directories through a symlinked parent", async () => {
  await assert.rejects(resolveSafePath(root, p("%www%/link-out/newdir/file"), { createParentsMode: 0o755 }), { reason: "symlink-parent" });
  await assert.rejects(fsp.lstat(join(base, "outside", "newdir")), { code: "ENOENT" });
});

test("resolveSafePath() accepts a root that is itself a symlink (the config is trusted)", async () => {
  const linked: SafeRoot = { logical: p("/srv"), local: join(base, "root-link") };
  assert.deepEqual(await resolveSafePath(linked, p("/srv/x")), { local: join(base, "root-link", "x"), existing: undefined });
});

test("resolveSafePath() refuses a root that is missing", async () => {
  const gone: SafeRoot = { logical: p("/srv"), local: join(base, "no-such-root") };
  await assert.rejects(resolveSafePath(gone, p("/srv/x")), { reason: "root-not-directory" });
});

test("resolveSafePath() maps the / root", async () => {
  const slash: SafeRoot = { logical: p("/"), local: join(base, "www") };
  assert.equal((await resolveSafePath(slash, p("/a/b/file"))).local, join(base, "www", "a", "b", "file"));
});

test("pickRoot() picks the deepest root that holds the path", () => {
  const roots: SafeRoot[] = [
    { logical: p("/etc"), local: "/etc" },
    { logical: p("/etc/nginx"), local: "/etc/nginx" },
    { logical: p("%www%"), local: "/srv/www" },
  ];
  assert.equal(pickRoot(roots, p("/etc/nginx/x"))?.local, "/etc/nginx");
  assert.equal(pickRoot(roots, p("/etc/hosts"))?.local, "/etc");
  assert.equal(pickRoot(roots, p("/etc-old/hosts")), undefined);
  assert.equal(pickRoot(roots, p("%www%/i"))?.local, "/srv/www");
});
