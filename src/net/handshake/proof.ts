// The group-key proof: HMAC-SHA256 keyed with the group key over a canonical encoding of who
// is proving what to whom, followed by keying material exported from this TLS connection.
// Binding the role stops a reflected proof (a server's proof replayed as a client's), binding
// both names and the group stops reuse across pairs and groups, and the exported material
// makes a proof worthless on any other connection. The key itself never leaves the node.

import { createHmac, timingSafeEqual } from "node:crypto";
import type { Version } from "../messages.js";

export type Role = "client" | "server";

export interface ProofInput {
  readonly role: Role;
  readonly group: string;
  readonly client: string;
  readonly server: string;
  readonly version: Version;
  /** tls exportKeyingMaterial() of this connection. */
  readonly secret: Buffer;
}

export function computeProof(key: string, input: ProofInput): Buffer {
  // A JSON array is an unambiguous encoding of the strings (no delimiter games).
  const bound = JSON.stringify(["peersync-proof-v1", input.role, input.group, input.client, input.server, input.version]);
  return createHmac("sha256", key).update(bound).update(input.secret).digest();
}

/** Constant-time comparison (length is public: always 32 bytes after decoding). */
export function proofMatches(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}
