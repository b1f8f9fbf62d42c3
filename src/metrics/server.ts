// Serves Metrics over HTTP for Prometheus: GET /metrics, on 127.0.0.1 unless the operator
// names another address (`daemon --metrics HOST:PORT`, or PEERSYNC_METRICS_PORT for the port
// alone). Nothing else is served; the metrics carry group and peer names, no file contents.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { UsageError } from "../errors.js";
import type { Metrics } from "./metrics.js";

export interface MetricsAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_METRICS_HOST = "127.0.0.1";

/** "9465", "127.0.0.1:9465", "[::1]:9465" → an address; anything else is a UsageError. */
export function parseMetricsAddress(text: string): MetricsAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`Cannot use metrics address "${text}": expected PORT or HOST:PORT`, {
      hint: "e.g. --metrics 127.0.0.1:9465, or PEERSYNC_METRICS_PORT=9465",
    });
  }
  const host = m[1]?.replace(/^\[|\]$/g, "") ?? DEFAULT_METRICS_HOST;
  return { host, port };
}

/** The --metrics flag wins; else PEERSYNC_METRICS_PORT; else no metrics server. */
export function metricsAddressFrom(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): MetricsAddress | undefined {
  if (flag !== undefined) return parseMetricsAddress(flag);
  const port = env["PEERSYNC_METRICS_PORT"];
  return port === undefined || port === "" ? undefined : parseMetricsAddress(port);
}

export interface MetricsServer {
  /** Where it listens (the port is the real one when 0 was asked). */
  readonly address: MetricsAddress;
  close(): Promise<void>;
}

export async function serveMetrics(metrics: Metrics, address: MetricsAddress): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url !== "/metrics" && req.url !== "/")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${String(err)}\n`),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: address.host, port: bound.port },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
