import assert from "node:assert/strict";
import { test } from "node:test";
import { PeerError, ProtocolError } from "../errors.js";
import { isConnectionLoss, sessionEndError, type SessionEndFacts } from "./session-end.js";
import { MidFrameError } from "./wire.js";

const errno = (code: string): Error => Object.assign(new Error(`read ${code}`), { code });
const quiet: SessionEndFacts = { peer: "beta", role: "client", peerDraining: false, closedHere: false, draining: false, unanswered: 2 };
const told = new PeerError("beta: refused", { peer: "beta", remoteCode: "DENIED" });

const cases: readonly { name: string; facts: Partial<SessionEndFacts>; reason: Error | undefined; want: RegExp | Error }[] = [
  { name: "the peer said it shuts down, then closed", facts: { peerDraining: true }, reason: undefined, want: /"beta": it is shutting down \(it said so\) and closed the session$/ },
  { name: "shutting down, closed mid-frame", facts: { peerDraining: true }, reason: new MidFrameError(), want: /it is shutting down \(it said so\) and closed the session \(Cannot read frame/ },
  { name: "shutting down, but its error frame arrived: that error", facts: { peerDraining: true }, reason: told, want: told },
  { name: "reset with requests in flight", facts: {}, reason: errno("ECONNRESET"), want: /^Lost the connection to "beta" with 2 request\(s\) unanswered \(read ECONNRESET\): its daemon stopped/ },
  { name: "closed without a word", facts: {}, reason: undefined, want: /^Lost the connection to "beta" with 2 request\(s\) unanswered \(it closed\)/ },
  { name: "nothing in flight: the raw cause", facts: { unanswered: 0 }, reason: errno("EPIPE"), want: /^read EPIPE$/ },
  { name: "closed here: the raw cause", facts: { closedHere: true }, reason: errno("ECONNRESET"), want: /^read ECONNRESET$/ },
  { name: "draining here: the raw cause", facts: { draining: true }, reason: errno("ECONNRESET"), want: /^read ECONNRESET$/ },
  { name: "the server side never says lost", facts: { role: "server" }, reason: undefined, want: /^Cannot use session with "beta": it closed$/ },
  { name: "a protocol fault stays itself", facts: {}, reason: new ProtocolError("bad frame"), want: /^bad frame$/ },
];

for (const c of cases) {
  test(`sessionEndError: ${c.name}`, () => {
    const got = sessionEndError({ ...quiet, ...c.facts }, c.reason);
    if (c.want instanceof Error) assert.equal(got, c.want);
    else assert.match(got.message, c.want);
  });
}

test("a lost connection names the cause and keeps it", () => {
  const reset = errno("ECONNRESET");
  const got = sessionEndError(quiet, reset);
  assert.ok(got instanceof PeerError);
  assert.equal(got.remoteCode, "UNAVAILABLE");
  assert.equal(got.cause, reset);
  assert.match(got.hint ?? "", /stays pending/);
});

const losses: readonly [string, Error | undefined, boolean][] = [
  ["no reason", undefined, true],
  ["mid-frame", new MidFrameError(), true],
  ["ECONNRESET", errno("ECONNRESET"), true],
  ["ETIMEDOUT", errno("ETIMEDOUT"), true],
  ["ENOSPC", errno("ENOSPC"), false],
  ["a peersync error", told, false],
];
for (const [name, reason, want] of losses) test(`isConnectionLoss(${name}) is ${want}`, () => assert.equal(isConnectionLoss(reason), want));
