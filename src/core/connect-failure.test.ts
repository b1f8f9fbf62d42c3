import assert from "node:assert/strict";
import { test } from "node:test";
import { connectHint, TCP_TIMEOUT, TLS_TIMEOUT } from "./connect-failure.js";

const beta = { host: "beta", address: "10.0.0.2", port: 30865 };

const cases: readonly { name: string; code: unknown; want: RegExp | undefined }[] = [
  { name: "refused: is the daemon running, the unit, where it listens", code: "ECONNREFUSED", want: /^is the peersync daemon running on beta\? \(`systemctl status peersync` there; it listens on 10\.0\.0\.2:30865 / },
  { name: "no TCP answer in time: address and firewall", code: TCP_TIMEOUT, want: /^nothing answered at 10\.0\.0\.2:30865: check that 10\.0\.0\.2 is beta's address and that no firewall drops TCP port 30865/ },
  { name: "the kernel's timeout reads the same", code: "ETIMEDOUT", want: /^nothing answered at 10\.0\.0\.2:30865: / },
  { name: "no route to the host", code: "EHOSTUNREACH", want: /^this node has no route to 10\.0\.0\.2: check beta's address/ },
  { name: "no route to the network", code: "ENETUNREACH", want: /^this node has no route to 10\.0\.0\.2: / },
  { name: "a name that does not resolve", code: "ENOTFOUND", want: /^the name 10\.0\.0\.2 does not resolve here/ },
  { name: "TCP up, no TLS: another service on the port", code: TLS_TIMEOUT, want: /^something accepted the connection at 10\.0\.0\.2:30865 but did not answer TLS/ },
  { name: "a reset has nothing to add", code: "ECONNRESET", want: undefined },
  { name: "no code at all", code: undefined, want: undefined },
];
for (const c of cases) {
  test(`connectHint() ${c.name}`, () => {
    const hint = connectHint(c.code, beta);
    if (c.want === undefined) assert.equal(hint, undefined);
    else assert.match(hint ?? "", c.want);
  });
}
