import assert from "node:assert/strict";
import { test } from "node:test";
import { listenFailure } from "./listen-failure.js";

const cases: readonly { code: unknown; host: string; port: number; reason: RegExp | undefined; hint?: RegExp }[] = [
  { code: "EADDRINUSE", host: "::", port: 30865, reason: /^another process listens there already: .*started twice, or csync2's server/, hint: /ss -ltnp 'sport = :30865'.*csync2\.socket/ },
  { code: "EADDRINUSE", host: "127.0.0.1", port: 21001, reason: /^another process listens there already: this node's peersync daemon, started twice, or another service$/, hint: /^stop that process \(`ss -ltnp 'sport = :21001'` shows it\), or give/ },
  { code: "EADDRNOTAVAIL", host: "10.9.9.9", port: 30865, reason: /^the address is not one of this host's$/, hint: /names 10\.9\.9\.9 port 30865/ },
  { code: "EACCES", host: "0.0.0.0", port: 873, reason: /ports below 1024/, hint: /run the daemon as root/ },
  { code: "ECONNREFUSED", host: "::", port: 1, reason: undefined },
  { code: undefined, host: "::", port: 1, reason: undefined },
];

for (const c of cases) {
  test(`listenFailure(${String(c.code)}) ${c.reason ? "names the cause and the fix" : "is left alone"}`, () => {
    const out = listenFailure(c.code, c.host, c.port);
    if (c.reason === undefined) return assert.equal(out, undefined);
    assert.ok(out);
    assert.match(out.reason, c.reason);
    assert.match(out.hint, c.hint!);
  });
}
