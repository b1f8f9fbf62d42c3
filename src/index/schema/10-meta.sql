-- Index metadata: one row per key. Runs at every start, so everything is IF NOT EXISTS / OR IGNORE.
--   schema_version  the layout version of the tables below (bumped together with a migration)
--   node_id         random identity of this index, made once; tells two copies of a state dir apart
--   hash_algorithm  the content hash in entries.hash (node:crypto name)
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
INSERT OR IGNORE INTO meta (key, value) VALUES ('node_id', lower(hex(randomblob(16))));
INSERT OR IGNORE INTO meta (key, value) VALUES ('hash_algorithm', 'sha256');
