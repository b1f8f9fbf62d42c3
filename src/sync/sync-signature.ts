// The signature a peer makes of its version for a delta sync (handler.ts serves it,
// signature-cache.ts keeps it): rsync's rolling checksum with MD4 strong sums (`rdiff -R
// rollsum -H md4`, the "md4" format, the sums csync2's librsync used) rather than librsync's
// default RabinKarp with BLAKE2. The delta is most of a big file's sync, and its cost is mostly
// the strong sum of every matching block. `rdiff delta` CPU for 256 MiB with 100 edits, here:
//
//                         random bytes   source text   sparse (zeros, islands)
//   RabinKarp + BLAKE2        0.75 s         0.76 s          0.71 s
//   RabinKarp + MD4           0.49 s         0.43 s          0.43 s
//   rollsum + MD4             0.37 s         0.37 s          0.35 s
//
// with deltas of the same size in each column (neither weak sum spread worse on these).
//
// MD4 can be made to collide on purpose, so a block sum match is never what vouches for the
// content: the receiver checks the SHA-256 of the file the delta rebuilt against the one
// offered and refuses it on a mismatch, and the pusher then sends that file whole (push.ts).
// A crafted collision can cost a whole-file send, never a wrong file. rsync relies on the same
// whole-file check behind its block sums. The signature's magic names its format, so a peer
// running an older peersync (BLAKE2 signatures) still gets deltas that fit.

import { signatureParams, type SignatureOptions, type SignatureParams } from "../delta/rsync.js";

export const SYNC_SIGNATURE_FORMAT = "md4" as const;

/** Options for delta/rsync.ts signature() of a basis of `size` bytes. */
export function syncSignatureOptions(size: number): SignatureOptions {
  return { basisSize: size, format: SYNC_SIGNATURE_FORMAT };
}

/** The parameters such a signature gets (block and strong sum lengths librsync picks for `size`). */
export function syncSignatureParams(size: number): SignatureParams {
  return signatureParams(syncSignatureOptions(size));
}
