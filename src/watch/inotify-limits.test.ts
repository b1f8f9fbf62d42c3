import assert from "node:assert/strict";
import { test } from "node:test";
import { isLimitError, limitHint } from "./inotify-limits.js";

const errors = [
  { name: "inotify_add_watch's ENOSPC", err: new Error("inotify_add_watch failed: No space left on device"), want: true },
  { name: "a bare ENOSPC code", err: Object.assign(new Error("ENOSPC"), { code: "ENOSPC" }), want: true },
  { name: "inotify_init's EMFILE", err: new Error("EMFILE: Too many open files"), want: true },
  { name: "a message naming max_user_instances", err: "max_user_instances reached", want: true },
  { name: "a missing directory", err: new Error("ENOENT: no such file or directory"), want: false },
  { name: "a permission error", err: new Error("EACCES: permission denied"), want: false },
] as const;
for (const c of errors) {
  test(`isLimitError() is ${c.want} for ${c.name}`, () => assert.equal(isLimitError(c.err), c.want));
}

const hints = [
  { name: "asks for 524288 when the limit is unknown", current: undefined, want: /max_user_watches=524288 /, notNow: true },
  { name: "asks for 524288 when the limit is below half of it", current: 8192, want: /\(now 8192\).*max_user_watches=524288 / },
  { name: "asks for double a limit already above 262144", current: 1_000_000, want: /\(now 1000000\).*max_user_watches=2000000 / },
] as const;
for (const c of hints) {
  test(`limitHint() ${c.name}`, () => {
    const hint = limitHint(c.current);
    assert.match(hint, c.want);
    assert.match(hint, /max_user_instances=1024, and persist them in \/etc\/sysctl\.d\//);
    if ("notNow" in c) assert.doesNotMatch(hint, /\(now/);
  });
}
