// The port that keeps the per-store keys of encrypted (cloud) protection stores: a random
// 256-bit key per store, kept wrapped under a master key (src/store/key-vault.ts). `obr stores
// export-key` reads a key back for disaster recovery.
export interface StoreKeys {
  /** The store's key, created now if it has none (idempotent, so a resumed create finds the same key). */
  ensure(storeId: string): Promise<string>;
  /** The store's key; undefined when it has none. */
  get(storeId: string): Promise<string | undefined>;
  /** Forgets the key (after the store's data is destroyed); a missing key is no error. */
  remove(storeId: string): Promise<void>;
}
