// Resource limits of the transport, in one place so the daemon, the tests (which shrink the
// timeouts to stay fast) and the bench agree. Every limit protects the daemon from a peer that
// is slow, broken or hostile: nothing a peer sends may grow memory or hold a slot forever.

import { UsageError } from "../errors.js";

export interface Limits {
  /** Largest frame body accepted or sent (control messages and data chunks). @default 1 MiB */
  readonly maxFrameBytes: number;
  /** Largest JSON control message body; bulk data travels as raw data frames. @default 256 KiB */
  readonly maxControlBytes: number;
  /** TLS handshake plus hello and proofs must finish within this. @default 10_000 */
  readonly handshakeTimeoutMs: number;
  /** A session with nothing in flight and no frame for this long is closed. @default 60_000 */
  readonly idleTimeoutMs: number;
  /** A request must be answered (client) or its reply written (server) within this. @default 30_000 */
  readonly requestTimeoutMs: number;
  /** Requests a session handles at once; further ones wait in the socket (backpressure). @default 16 */
  readonly maxInFlight: number;
  /** Bytes buffered for writing before the sender waits for the socket to drain. @default 1 MiB */
  readonly writeHighWaterBytes: number;
  /** Bytes of an incoming request body buffered before reading from the socket pauses. @default 4 MiB */
  readonly bodyHighWaterBytes: number;
  /** Concurrent connections the server accepts (authenticated or not). @default 64 */
  readonly maxSessions: number;
  /** Connections one remote address may hold at once (so one scanner cannot take them all). @default 16 */
  readonly maxSessionsPerAddress: number;
  /** Graceful shutdown waits this long for requests in hand before closing sessions. @default 5_000 */
  readonly shutdownGraceMs: number;
  /** Client reconnect backoff: first delay and cap. @default 500 / 60_000 */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Client connect (TCP + TLS + auth) must finish within this. @default 10_000 */
  readonly connectTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxFrameBytes: 1 << 20,
  maxControlBytes: 256 << 10,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  maxInFlight: 16,
  writeHighWaterBytes: 1 << 20,
  bodyHighWaterBytes: 4 << 20,
  maxSessions: 64,
  maxSessionsPerAddress: 16,
  shutdownGraceMs: 5_000,
  backoffBaseMs: 500,
  backoffMaxMs: 60_000,
  connectTimeoutMs: 10_000,
});

/** Defaults overridden by `overrides`; each value must be a positive integer. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`Cannot use limit ${name}=${value}: expected a positive integer`);
  }
  if (limits.maxControlBytes > limits.maxFrameBytes) throw new RangeError("Cannot use limits: maxControlBytes exceeds maxFrameBytes");
  return Object.freeze(limits);
}

/**
 * Limits from PEERSYNC_<NAME> environment variables (e.g. PEERSYNC_IDLE_TIMEOUT_MS=500), so the
 * integration tests can make a real daemon time out quickly. A bad value is a UsageError naming the variable.
 */
export function limitsFromEnv(env: NodeJS.ProcessEnv): Partial<Limits> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(DEFAULT_LIMITS)) {
    const variable = `PEERSYNC_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    const raw = env[variable];
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new UsageError(`Cannot use ${variable}="${raw}": expected a positive integer`, { hint: `set ${variable} to a whole number above 0, or unset it for the default` });
    }
    out[name] = value;
  }
  return out as Partial<Limits>;
}
