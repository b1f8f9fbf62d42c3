// Small files read once per run: pushing one tree to four peers read (and resolved, opened,
// closed) every file four times, and a sync's check had just read every new or changed small
// file to hash it, after which its push opened and read each one again (a first sync of
// 10,000 files: ~0.3 s of the pushing process's main thread). Keyed by group, path, content
// hash and size, so only the same checked version is shared; the receiver verifies the hash
// of whatever it gets, exactly as when each peer's push read the file itself. Failed reads are
// not kept (each peer's push tries again and reports its own problem). Bounded: the oldest go
// first.

/** What a push reads small files through: a kept copy of the checked version, or `load`. */
export interface ContentSource {
  get(key: string, size: number, load: () => Promise<Buffer>): Promise<Buffer>;
}

/** The key of one checked version of a file. */
export function contentKey(group: string, path: string, hash: string, size: number): string {
  return `${group}\0${path}\0${hash}\0${size}`;
}

/** `bytes` in a buffer of their own (not a slice of Buffer's shared pool either). */
function copyOf(bytes: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(own);
  return own;
}

export class ContentCache implements ContentSource {
  readonly #entries = new Map<string, { bytes: Promise<Buffer>; size: number }>();
  #bytes = 0;

  constructor(readonly maxBytes = 64 << 20) {}

  /** The bytes under `key` (`size` of them once read), read by `load` and kept when not kept yet. */
  get(key: string, size: number, load: () => Promise<Buffer>): Promise<Buffer> {
    const kept = this.#entries.get(key);
    if (kept) return kept.bytes;
    const bytes = load();
    this.#add(key, bytes, size);
    return bytes;
  }

  /**
   * Keeps bytes already read (a check's read of the version it recorded). A view into a larger
   * buffer is copied: a check's batch read returns one buffer for up to 128 files, and keeping
   * one file's slice would keep the whole batch alive outside the budget.
   */
  keep(key: string, bytes: Buffer): void {
    if (this.#entries.has(key) || bytes.length > this.maxBytes) return;
    const own = bytes.byteLength === bytes.buffer.byteLength ? bytes : copyOf(bytes);
    this.#add(key, Promise.resolve(own), own.length);
  }

  /**
   * For a push that is the run's only reader of these files: a kept copy is used and let go,
   * a file not kept is read and not kept. Keeping it would, past the budget, push out a
   * copy the same push reads later, so a tree bigger than the budget would miss every time.
   */
  readThrough(): ContentSource {
    return {
      get: (key, _size, load) => {
        const kept = this.#entries.get(key);
        if (!kept) return load();
        this.#drop(key, kept);
        return kept.bytes;
      },
    };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Bytes kept (of reads begun: a read still in flight counts its expected size). */
  get bytes(): number {
    return this.#bytes;
  }

  #add(key: string, bytes: Promise<Buffer>, size: number): void {
    const entry = { bytes, size };
    this.#entries.set(key, entry);
    this.#bytes += size;
    bytes.catch(() => this.#drop(key, entry));
    while (this.#bytes > this.maxBytes && this.#entries.size > 1) {
      const [oldest, e] = this.#entries.entries().next().value as [string, { bytes: Promise<Buffer>; size: number }];
      this.#drop(oldest, e);
    }
  }

  #drop(key: string, entry: { size: number }): void {
    if (this.#entries.get(key) !== entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.size;
  }
}
