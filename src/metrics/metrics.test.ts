import assert from "node:assert/strict";
import { test } from "node:test";
import { Metrics } from "./metrics.js";
import { metricsAddressFrom, parseMetricsAddress, serveMetrics } from "./server.js";

test("Metrics renders named instruments in Prometheus text format", async () => {
  const m = new Metrics({ processMetrics: false });
  m.pending.set({ group: "web", peer: "b" }, 3);
  m.bytesSent.inc({ group: "web", peer: "b" }, 1024);
  m.syncLatency.observe({ group: "web", peer: "b" }, 0.3);
  m.peerUp.set({ group: "web", peer: "b" }, 1);
  m.actionFailures.inc({ group: "web" });
  const text = await m.text();
  assert.match(text, /^peersync_pending_entries\{group="web",peer="b"\} 3$/m);
  assert.match(text, /^peersync_sent_bytes_total\{group="web",peer="b"\} 1024$/m);
  assert.match(text, /^peersync_sync_latency_seconds_bucket\{le="0.5",group="web",peer="b"\} 1$/m);
  assert.match(text, /^peersync_peer_up\{group="web",peer="b"\} 1$/m);
  assert.match(text, /^# TYPE peersync_action_failures_total counter$/m);
});

test("two Metrics objects do not share a registry", () => {
  const a = new Metrics({ processMetrics: false });
  const b = new Metrics({ processMetrics: false });
  assert.notEqual(a.registry, b.registry);
});

const addresses = [
  { text: "9465", want: { host: "127.0.0.1", port: 9465 } },
  { text: "127.0.0.1:9465", want: { host: "127.0.0.1", port: 9465 } },
  { text: "[::1]:9100", want: { host: "::1", port: 9100 } },
  { text: "localhost:0", want: { host: "localhost", port: 0 } },
] as const;
for (const c of addresses) test(`parseMetricsAddress() reads "${c.text}"`, () => assert.deepEqual(parseMetricsAddress(c.text), c.want));

for (const bad of ["", "abc", "1.2.3.4:", "70000", "host:port"]) {
  test(`parseMetricsAddress() refuses "${bad}"`, () => assert.throws(() => parseMetricsAddress(bad), { code: "USAGE" }));
}

test("metricsAddressFrom() prefers the flag, then PEERSYNC_METRICS_PORT, else none", () => {
  assert.deepEqual(metricsAddressFrom("127.0.0.1:1", { PEERSYNC_METRICS_PORT: "2" }), { host: "127.0.0.1", port: 1 });
  assert.deepEqual(metricsAddressFrom(undefined, { PEERSYNC_METRICS_PORT: "2" }), { host: "127.0.0.1", port: 2 });
  assert.equal(metricsAddressFrom(undefined, {}), undefined);
});

test("serveMetrics() answers GET /metrics on loopback and 404 elsewhere", async () => {
  const m = new Metrics();
  m.watchOverflows.inc();
  const server = await serveMetrics(m, { host: "127.0.0.1", port: 0 });
  try {
    const res = await fetch(`http://127.0.0.1:${server.address.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
    const text = await res.text();
    assert.match(text, /^peersync_watch_overflows_total 1$/m);
    assert.match(text, /^peersync_process_resident_memory_bytes \d+/m);
    assert.equal((await fetch(`http://127.0.0.1:${server.address.port}/other`)).status, 404);
  } finally {
    await server.close();
  }
});
