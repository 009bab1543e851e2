// A bounded map that forgets the least recently used entries first: the prepared-statement,
// list-page, list-total and list-plan caches stay within their bounds however many distinct keys
// arrive. Entries can be weighed (e.g. by text length) against a total budget as well as counted.
export class LruCache<K, V> {
  readonly #max: number;
  readonly #maxWeight: number;
  readonly #weigh: (value: V) => number;
  readonly #map = new Map<K, { value: V; weight: number }>();
  /** The most recent key: a hit on it (the common case of a repeated query) moves nothing. */
  #newest: K | undefined;
  #weight = 0;

  constructor(max: number, budget?: { maxWeight: number; weigh: (value: V) => number }) {
    this.#max = max;
    this.#maxWeight = budget?.maxWeight ?? Number.POSITIVE_INFINITY;
    this.#weigh = budget?.weigh ?? (() => 0);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (key !== this.#newest) {
      // Map keeps insertion order: re-inserting makes this the most recent entry.
      this.#map.delete(key);
      this.#map.set(key, entry);
      this.#newest = key;
    }
    return entry.value;
  }

  /** Stores the value, unless it alone weighs more than the whole budget. */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.#weigh(value);
    if (weight > this.#maxWeight) return;
    while (this.#map.size > 0 && (this.#map.size >= this.#max || this.#weight + weight > this.#maxWeight)) this.delete(this.#map.keys().next().value!);
    this.#map.set(key, { value, weight });
    this.#newest = key;
    this.#weight += weight;
  }

  delete(key: K): void {
    const entry = this.#map.get(key);
    if (entry === undefined) return;
    this.#map.delete(key);
    if (key === this.#newest) this.#newest = undefined;
    this.#weight -= entry.weight;
  }
}
