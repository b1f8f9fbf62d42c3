// Which config changes a running daemon cannot take on a reload (SIGHUP). The state dir holds
// the index the daemon has open and the identity it serves with: a reload that moved it once
// made the daemon's pushes create and present a second identity from the new directory while
// it kept serving with the first, so peers refused its pushes as a changed certificate and
// told the operator to reset a pin (which would have broken the serving side instead). Pure:
// the daemon passes both configs' facts in.

export interface ReloadFacts {
  readonly stateDir: string;
  readonly localName: string;
}

export interface ReloadRefusal {
  readonly message: string;
  readonly hint: string;
}

/** Why `after` cannot replace `before` in a running daemon, or undefined when it can. */
export function reloadRefusal(before: ReloadFacts, after: ReloadFacts): ReloadRefusal | undefined {
  if (before.stateDir !== after.stateDir) {
    return {
      message: `Cannot reload the config: its state-dir changed from ${before.stateDir} to ${after.stateDir}, and a running daemon keeps the index and node identity it opened there`,
      hint: `to move the state dir, stop the daemon, move the files of ${before.stateDir} to ${after.stateDir} (peers pinned its identity.pem), then start it; the daemon goes on with the config it had`,
    };
  }
  if (before.localName !== after.localName) {
    return {
      message: `Cannot reload the config: this node's name changed from "${before.localName}" to "${after.localName}"`,
      hint: "restart the daemon to serve under the new name; it goes on with the config it had",
    };
  }
  return undefined;
}
