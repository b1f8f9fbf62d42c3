// Small files read once per run for all peers: pushing one tree to four peers read (and
// resolved, opened, closed) every file four times. Keyed by group, path, content hash and size,
// so only the same checked version is shared; the receiver verifies the hash of whatever it
// gets, exactly as when each peer's push read the file itself. Failed reads are not kept
// (each peer's push tries again and reports its own problem). Bounded: the oldest go first.

export class ContentCache {
  readonly #entries = new Map<string, { bytes: Promise<Buffer>; size: number }>();
  #bytes = 0;

  constructor(readonly maxBytes = 64 << 20) {}

  /** The bytes under `key` (`size` of them once read), read by `load` when not kept. */
  get(key: string, size: number, load: () => Promise<Buffer>): Promise<Buffer> {
    const kept = this.#entries.get(key);
    if (kept) return kept.bytes;
    const bytes = load();
    const entry = { bytes, size };
    this.#entries.set(key, entry);
    this.#bytes += size;
    bytes.catch(() => this.#drop(key, entry));
    while (this.#bytes > this.maxBytes && this.#entries.size > 1) {
      const [oldest, e] = this.#entries.entries().next().value as [string, { bytes: Promise<Buffer>; size: number }];
      this.#drop(oldest, e);
    }
    return bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  #drop(key: string, entry: { size: number }): void {
    if (this.#entries.get(key) !== entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.size;
  }
}
