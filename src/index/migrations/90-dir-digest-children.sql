-- Per child of the directory, what the look that stored the digest saw: its name's hash and its
-- whole (name, lstat) hash, 53 bits each, in this machine's byte order
-- (the probe's Float64Array, bytes as they are; the index never leaves the node). When the
-- digest moved, a check passes over the children whose whole hash is still there (their rows
-- stand) and looks only at the rest (src/core/standing-entries.ts). NULL: a look from before
-- this column, or without the native probe; the next look fills it. The row's triggers forget
-- it with the digest.
ALTER TABLE dir_digests ADD COLUMN children BLOB;
