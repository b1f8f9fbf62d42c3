// Why a daemon cannot listen where its config says, and what the operator does about it. A
// bare "listen EADDRINUSE: address already in use 127.0.0.1:30865" left the operator to guess
// that csync2's xinetd entry (the same port) or a second peersync daemon holds the port, and an
// address that is not this host's (a host entry naming another node's address) read as
// "EADDRNOTAVAIL". Pure: the daemon passes the errno name and the address it tried.

const CSYNC2_PORT = 30865;

export interface ListenFailure {
  /** Why, to follow "Cannot listen on ADDRESS:PORT: ". */
  readonly reason: string;
  readonly hint: string;
}

/** The reason and hint for a listen on `host`:`port` that failed with `code`; undefined for other codes. */
export function listenFailure(code: unknown, host: string, port: number): ListenFailure | undefined {
  const where = host === "::" || host === "0.0.0.0" ? `port ${port}` : `${host} port ${port}`;
  switch (code) {
    case "EADDRINUSE":
      return {
        // csync2's server is the usual other tenant of csync2's port, left running after a switch.
        reason: port === CSYNC2_PORT
          ? "another process listens there already: this node's peersync daemon, started twice, or csync2's server (xinetd, inetd or csync2.socket)"
          : "another process listens there already: this node's peersync daemon, started twice, or another service",
        hint: `stop that process (\`ss -ltnp 'sport = :${port}'\` shows it${port === CSYNC2_PORT ? "; disable csync2's xinetd entry or csync2.socket when switching from csync2" : ""}), or give this node another port in its host entry (NAME@ADDRESS:PORT on every node)`,
      };
    case "EADDRNOTAVAIL":
      return {
        reason: "the address is not one of this host's",
        hint: `the host entry of this node names ${where}; give it an address of this host (\`ip -brief address\` lists them), or check that -N or the host name picks the right node`,
      };
    case "EACCES":
      return {
        reason: "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
        hint: "run the daemon as root (as etc/systemd/peersync.service does), or use a port of 1024 or more in every node's host entry",
      };
    default:
      return undefined;
  }
}
