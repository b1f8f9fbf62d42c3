// What the operator does about a peer this node could not connect to. "connect ECONNREFUSED
// 10.0.0.2:30865" came with no hint, leaving the operator to work out that nothing listens
// there: the peer's daemon is stopped, or the host entry names the wrong port. Pure: the
// caller passes the errno name (or TIMEOUT_CODES' own) and where it tried.

/** The service etc/systemd installs (etc/systemd/peersync.service). */
const UNIT = "peersync";

/** Codes of connects that ran out of time (connect.ts): before TCP was up, or before TLS was. */
export const TCP_TIMEOUT = "TCP_TIMEOUT";
export const TLS_TIMEOUT = "TLS_TIMEOUT";

export interface ConnectTarget {
  /** The peer's name (its host entry). */
  readonly host: string;
  readonly address: string;
  readonly port: number;
}

/** The hint for a connect to `to` that failed with `code`; undefined for codes with nothing to add. */
export function connectHint(code: unknown, to: ConnectTarget): string | undefined {
  const where = `${to.address}:${to.port}`;
  switch (code) {
    case "ECONNREFUSED":
      return `is the peersync daemon running on ${to.host}? (\`systemctl status ${UNIT}\` there; it listens on ${where} by this node's config)`;
    case TCP_TIMEOUT:
    case "ETIMEDOUT":
      return `nothing answered at ${where}: check that ${to.address} is ${to.host}'s address and that no firewall drops TCP port ${to.port} between the two nodes`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `this node has no route to ${to.address}: check ${to.host}'s address in the host entry (NAME@ADDRESS:PORT) and the network between the two nodes`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the name ${to.address} does not resolve here: check ${to.host}'s host entry (NAME@ADDRESS:PORT) or this node's DNS`;
    case TLS_TIMEOUT:
      return `something accepted the connection at ${where} but did not answer TLS: is that the peersync daemon's port on ${to.host} (its host entry), and is the daemon busy or stuck?`;
    default:
      return undefined;
  }
}
