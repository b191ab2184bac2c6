/**
 * Reading the next page while the current one is planned and written: the event log read and the planning
 * take about the same time, so overlapping them nearly doubles the rate. At most two pages are in memory.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      // A failed read ahead is thrown where it is awaited (above), not reported as unhandled meanwhile.
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await iterator.return?.(undefined);
  }
}
