import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { DEFAULT_LIMITS, limitsFromEnv, resolveLimits } from "./limits.js";

test("limitsFromEnv() reads PEERSYNC_<NAME> variables", () => {
  assert.deepEqual(limitsFromEnv({ PEERSYNC_IDLE_TIMEOUT_MS: "500", PEERSYNC_MAX_SESSIONS: "3", OTHER: "x" }), { idleTimeoutMs: 500, maxSessions: 3 });
});

const bad = [{ PEERSYNC_IDLE_TIMEOUT_MS: "0" }, { PEERSYNC_IDLE_TIMEOUT_MS: "1.5" }, { PEERSYNC_MAX_FRAME_BYTES: "lots" }];
for (const env of bad) {
  test(`limitsFromEnv() refuses ${JSON.stringify(env)}`, () => assert.throws(() => limitsFromEnv(env), UsageError));
}

test("resolveLimits() fills defaults and refuses a control limit above the frame limit", () => {
  assert.equal(resolveLimits({}).maxFrameBytes, DEFAULT_LIMITS.maxFrameBytes);
  assert.throws(() => resolveLimits({ maxFrameBytes: 10, maxControlBytes: 20 }), RangeError);
});
