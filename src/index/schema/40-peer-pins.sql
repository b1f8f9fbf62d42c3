-- Peer certificate pins (trust on first use). A row is written only after the peer proved it
-- holds the group key on a connection that presented this certificate; a later connection with
-- another certificate is refused until `peersync trust --reset HOST` deletes the row.
-- Keyed by host name as written in the config: one node has one identity for all its groups.
CREATE TABLE IF NOT EXISTS peer_pins (
  host         TEXT    NOT NULL PRIMARY KEY,
  fingerprint  TEXT    NOT NULL,            -- SHA-256 of cert_der, AB:CD:… form
  cert_der     BLOB    NOT NULL,
  group_name   TEXT    NOT NULL,            -- group of the first key-authenticated contact
  pinned_at    INTEGER NOT NULL,            -- ms since epoch
  last_seen_at INTEGER NOT NULL
) STRICT;
