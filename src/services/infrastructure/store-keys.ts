// The port that keeps the per-store keys of encrypted (cloud) protection stores: a random
// 256-bit key per store, kept wrapped under a master key (src/store/key-vault.ts), and a cloud
// store's S3 target with the credentials it was made with (so it keeps opening when
// OBR_S3_TARGETS changes). `obr stores export-key` reads a key back for disaster recovery.
import type { S3StoreTarget } from "./chunk-stores.ts";

export interface StoreKeys {
  /** The store's key, created now if it has none (idempotent, so a resumed create finds the same key). */
  ensure(storeId: string): Promise<string>;
  /** The store's key; undefined when it has none. */
  get(storeId: string): Promise<string | undefined>;
  /** Keeps the store's S3 target wrapped; the first one kept stays (a resumed create finds it) and is returned. */
  ensureTarget(storeId: string, target: S3StoreTarget): Promise<S3StoreTarget>;
  /** The store's S3 target; undefined for a store that is not in a bucket. */
  target(storeId: string): Promise<S3StoreTarget | undefined>;
  /** Whether any cloud store was ever made here (the master key exists): the demo makes none then. */
  everUsed(): Promise<boolean>;
  /** Forgets the key and the target (after the store's data is destroyed); missing ones are no error. */
  remove(storeId: string): Promise<void>;
}
