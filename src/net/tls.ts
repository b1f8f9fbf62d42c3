// TLS contexts for both ends: TLS 1.3 only, both sides present their self-signed node
// certificate. Node's chain validation is off on purpose (self-signed certificates have no
// chain); trust comes from the group-key proof plus the certificate pin, checked by
// handshake/*.ts right after the TLS handshake, before any request is read.

import type { ConnectionOptions, TLSSocket, TlsOptions } from "node:tls";
import type { Identity } from "./identity.js";
import type { Limits } from "./limits.js";

/** Label for RFC 8446 exported keying material; binds the group-key proof to one connection. */
export const EXPORTER_LABEL = "EXPORTER-peersync-auth-v1";
export const EXPORTER_BYTES = 32;

/**
 * No CA store on either end: trust is the pin. Without `ca`, node loads its ~140 root
 * certificates into every TLS context it makes, parsing each (configSecureContext: 23 ms of a
 * 270 ms `peersync sync` of 100 files in bench/sync (c), CPU profile), for a chain check that
 * is off anyway.
 */
const NO_CA: string[] = [];

export function serverTlsOptions(identity: Identity, limits: Limits): TlsOptions {
  return {
    key: identity.keyPem,
    cert: identity.certPem,
    ca: NO_CA,
    minVersion: "TLSv1.3",
    maxVersion: "TLSv1.3",
    requestCert: true,
    rejectUnauthorized: false,
    handshakeTimeout: limits.handshakeTimeoutMs,
    // Session tickets would let a reconnect skip the certificate exchange; every connection
    // must present the certificate we pin.
    sessionTimeout: 0,
    ticketKeys: undefined,
  };
}

export function clientTlsOptions(identity: Identity, host: string, port: number): ConnectionOptions {
  return {
    host,
    port,
    key: identity.keyPem,
    cert: identity.certPem,
    ca: NO_CA,
    minVersion: "TLSv1.3",
    maxVersion: "TLSv1.3",
    rejectUnauthorized: false,
    // Names are checked against the pin and the proof, not against the certificate.
    checkServerIdentity: () => undefined,
  };
}

/** The DER of the peer's certificate, or undefined when it sent none. */
export function peerCertificateDer(socket: TLSSocket): Buffer | undefined {
  const cert = socket.getPeerCertificate(false);
  if (!cert || Object.keys(cert).length === 0 || !cert.raw) return undefined;
  return cert.raw;
}

/** Keying material unique to this TLS connection (both ends compute the same bytes). */
export function connectionSecret(socket: TLSSocket): Buffer {
  return socket.exportKeyingMaterial(EXPORTER_BYTES, EXPORTER_LABEL, Buffer.alloc(0));
}
