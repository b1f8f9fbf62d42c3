// The signature a peer makes of its version for a delta sync (handler.ts serves it,
// signature-cache.ts keeps it): RabinKarp weak sums with MD4 strong sums (rdiff -R rabinkarp
// -H md4) rather than librsync's default BLAKE2. The delta is most of a big file's sync and
// its cost is mostly the strong sum of every matching block: with MD4 `rdiff delta` of a 256 MiB
// file with 100 edits took 0.53 s of CPU here against 0.82 s with BLAKE2 (RabinKarp either way;
// the older rollsum is faster still but spreads its weak sums worse on text and zeroes).
//
// MD4 can be made to collide on purpose, so a block sum match is never what vouches for the
// content: the receiver checks the SHA-256 of the file the delta rebuilt against the one
// offered and refuses it on a mismatch, and the pusher then sends that file whole (push.ts).
// A crafted collision can cost a whole-file send, never a wrong file. rsync relies on the same
// whole-file check behind its MD5 block sums. The signature's magic names its format, so a
// peer running an older peersync (BLAKE2 signatures) still gets deltas that fit.

import { signatureParams, type SignatureOptions, type SignatureParams } from "../delta/rsync.js";

export const SYNC_SIGNATURE_FORMAT = "rk-md4" as const;

/** Options for delta/rsync.ts signature() of a basis of `size` bytes. */
export function syncSignatureOptions(size: number): SignatureOptions {
  return { basisSize: size, format: SYNC_SIGNATURE_FORMAT };
}

/** The parameters such a signature gets (block and strong sum lengths librsync picks for `size`). */
export function syncSignatureParams(size: number): SignatureParams {
  return signatureParams(syncSignatureOptions(size));
}
