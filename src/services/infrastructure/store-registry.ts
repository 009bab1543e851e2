// The protection stores of this process as a service: each chunk store is opened once and kept
// open (its index, loaded by the first operation, stays cached in it), its statistics are cached
// until a write makes them stale or they age out, and delete closes it and removes its data.
// Errors are the store's own (src/store/errors.ts): a failed open is not cached, so the next
// caller tries again.
import type { BucketState, ChunkStore, ChunkStoreLocation, ChunkStoreStats, ChunkStores, S3StoreTarget } from "./chunk-stores.ts";

export interface StoreRegistryOptions {
  /** Statistics older than this are measured again on the next request (default one minute). */
  statsMaxAgeMs?: number;
  now?: () => number;
}

interface CachedStats {
  at: number;
  /** Bumped by written(): a measurement that began before a write is not kept. */
  epoch: number;
  stats: ChunkStoreStats;
}

export class StoreRegistry<S extends ChunkStore = ChunkStore> {
  readonly #stores: ChunkStores<S>;
  readonly #open = new Map<string, Promise<S>>();
  readonly #stats = new Map<string, CachedStats>();
  readonly #epochs = new Map<string, number>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(stores: ChunkStores<S>, options: StoreRegistryOptions = {}) {
    this.#stores = stores;
    this.#maxAgeMs = options.statsMaxAgeMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Creates the store and keeps it open under `id`. */
  create(id: string, location: ChunkStoreLocation): Promise<S> {
    if (this.#open.has(id)) return Promise.reject(new Error(`store ${id} is already open`));
    return this.#remember(id, this.#stores.create(location));
  }

  /** The open store with that id, opened now if it is not open yet (concurrent callers share one open). */
  open(id: string, location: ChunkStoreLocation): Promise<S> {
    return this.#open.get(id) ?? this.#remember(id, this.#stores.open(location));
  }

  isOpen(id: string): boolean {
    return this.#open.has(id);
  }

  /** The store's statistics, measured at most once per max age unless written() made them stale. */
  async stats(id: string, location: ChunkStoreLocation): Promise<ChunkStoreStats> {
    const epoch = this.#epochs.get(id) ?? 0;
    const cached = this.#stats.get(id);
    if (cached && cached.epoch === epoch && this.#now() - cached.at < this.#maxAgeMs) return cached.stats;
    const at = this.#now();
    const stats = await (await this.open(id, location)).stats();
    if ((this.#epochs.get(id) ?? 0) === epoch) this.#stats.set(id, { at, epoch, stats });
    return stats;
  }

  /** Tells the registry that data was written to (or removed from) the store: its statistics are stale. */
  written(id: string): void {
    this.#epochs.set(id, (this.#epochs.get(id) ?? 0) + 1);
    this.#stats.delete(id);
  }

  /** Closes the store if it is open and removes its data. */
  async destroy(id: string, location: ChunkStoreLocation): Promise<void> {
    await this.#forget(id);
    await this.#stores.destroy(location);
  }

  /** The state of a bucket a store is to be made in (ChunkStores.inspectBucket). */
  inspectBucket(target: S3StoreTarget): Promise<BucketState> {
    return this.#stores.inspectBucket(target);
  }

  /** Closes the store (if open) without touching its data. */
  async release(id: string): Promise<void> {
    await this.#forget(id);
  }

  /** Closes every open store (server shutdown). */
  async close(): Promise<void> {
    const ids = [...this.#open.keys()];
    await Promise.all(ids.map((id) => this.#forget(id)));
  }

  #remember(id: string, opening: Promise<S>): Promise<S> {
    const held = opening.catch((err: unknown) => {
      if (this.#open.get(id) === held) this.#open.delete(id);
      throw err;
    });
    this.#open.set(id, held);
    return held;
  }

  async #forget(id: string): Promise<void> {
    const opening = this.#open.get(id);
    this.#open.delete(id);
    this.#stats.delete(id);
    this.#epochs.delete(id);
    const store = await opening?.catch(() => undefined);
    await store?.close();
  }
}
