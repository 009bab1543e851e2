// Small async helpers shared by the engine (bounded parallelism, a counting semaphore).

/**
 * Runs fn over items with at most `limit` calls in flight. On a failure no further item starts,
 * and it rejects with the first error once the calls in flight have settled, so a caller's
 * cleanup (closing the file those calls read) never runs under them.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      try {
        await fn(items[next++] as T);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw (failure as { err: unknown }).err;
}

/**
 * Like Promise.all, but rejects (with the first failure) only once every promise has settled:
 * for work that still reads a buffer the caller frees or reuses when this returns.
 */
export async function allSettledOrThrow<T>(promises: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === "rejected") throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Counting semaphore: bounds how many pipeline stages hold a resource at once. */
export class Semaphore {
  #free: number;
  readonly #waiters: Array<() => void> = [];
  constructor(count: number) {
    this.#free = count;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
  release(): void {
    const w = this.#waiters.shift();
    if (w) w();
    else this.#free++;
  }
}
