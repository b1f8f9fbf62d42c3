// What to tell the operator when two nodes' group-key proofs do not match: a key rotation in
// progress, or a daemon that still holds the key it read before its key file was replaced.
// The second is the trap: the key files on both hosts are identical (an operator compares
// them with md5sum and finds nothing), but a running daemon keeps the key it read at its start
// or last reload, so every sync against it fails until it is reloaded. The generic "check that
// both nodes use the same key file" sent operators looking at the wrong thing. Pure: the edge
// reads the key file as it is now and passes it in.

export interface KeyMismatchFacts {
  /** The node that refused (or whose proof failed): the one whose key is compared. */
  readonly node: string;
  readonly group: string;
  readonly keyFile: string;
  /** The key this process authenticates with (read at start or at the last reload). */
  readonly heldKey: string;
  /** The key file's key now; undefined when it cannot be read or is no valid key. */
  readonly keyOnDisk: string | undefined;
}

export interface KeyMismatchAdvice {
  /** Appended to the refusal's message when `node` holds a stale key; else undefined. */
  readonly note: string | undefined;
  readonly hint: string;
}

/** The note and hint for a group-key proof that did not match, from `node`'s point of view. */
export function keyMismatchAdvice(f: KeyMismatchFacts): KeyMismatchAdvice {
  if (f.keyOnDisk !== undefined && f.keyOnDisk !== f.heldKey) {
    return {
      note: `node "${f.node}" still holds the key it read before its key file "${f.keyFile}" changed`,
      hint: `reload the daemon on node "${f.node}" (systemctl reload peersync, or kill -HUP its pid) so that it reads the new key`,
    };
  }
  return {
    note: undefined,
    hint: `the two nodes hold different keys for group "${f.group}": give every host of the group the same key file (after \`peersync keygen\` for a rotation: copy it to each host), then reload each host's daemon (systemctl reload peersync)`,
  };
}
