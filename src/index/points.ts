// Point lookups in bulk: one `IN (?, ?, ...)` query per POINTS keys instead of one query per
// key (~8 µs each; a receiver or a pusher looks up thousands). A statement has a fixed number
// of places, so a short last chunk is padded with NULL, which equals nothing in SQL.

/** Keys per query. */
export const POINTS = 64;

/** The places of one query: "?, ?, ..." (POINTS of them). */
export const IN_PLACES = Array<string>(POINTS).fill("?").join(", ");

/** Runs `query` for each chunk of `keys` (padded with NULL) and returns every row it gave. */
export function inChunks<K, R>(keys: readonly K[], query: (places: (K | null)[]) => R[]): R[] {
  const rows: R[] = [];
  eachChunk(keys, (places) => rows.push(...query(places)));
  return rows;
}

/** Runs `statement` (a write) for each chunk of `keys`, padded with NULL. */
export function eachChunk<K>(keys: readonly K[], statement: (places: (K | null)[]) => unknown): void {
  for (let i = 0; i < keys.length; i += POINTS) {
    const chunk: (K | null)[] = keys.slice(i, i + POINTS);
    while (chunk.length < POINTS) chunk.push(null);
    statement(chunk);
  }
}
