// One item of look-ahead over an async iterable: the next item is asked for before this one is
// handed on, so whatever produces it (a librsync step on the thread pool, a socket) runs while
// the consumer works on this one. The consumer must be done with an item before it asks for
// the one after the next (sources that reuse their buffers allow that much, see delta/rsync.ts
// recycleOutput).

export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  let next = ahead(it);
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = ahead(it);
      yield r.value;
    }
  } finally {
    // Stopped early (the consumer failed or broke off): the source still gets to clean up
    // (after the item asked for ahead, as an async generator queues its calls).
    await it.return?.();
  }
}

/**
 * The source's next item. A failure is handed on when the item is awaited; until then the
 * promise is marked handled, or it would be an unhandled rejection while the consumer is still
 * busy with the item before.
 */
function ahead<T>(it: AsyncIterator<T>): Promise<IteratorResult<T>> {
  const next = it.next();
  next.catch(() => undefined);
  return next;
}
