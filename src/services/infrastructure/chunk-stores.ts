// The port through which services reach chunk stores (src/store/ implements it; container.ts
// builds it). Services see a store as an ImageStore (disk images in and out, copies, verify,
// delete, GC: image-store.ts) that can also be measured and closed. Every method rejects with
// the store's own typed errors (src/store/errors.ts, each a StoreFailure of ports/store-error.ts), which
// src/services/failure-status.ts maps by kind.
import type { ImageStore } from "./image-store.ts";

/** Where a chunk store lives and how it is unlocked. */
export interface ChunkStoreLocation {
  /** Absolute directory of the store. */
  dir: string;
  /** Secret that unlocks an encrypted store; undefined for a plain one. */
  key?: string;
}

/** What a store measures about itself (bytes are plain integers). */
export interface ChunkStoreStats {
  backups: number;
  /** Sum of the backups' image sizes: the user data the store holds. */
  logicalBytes: number;
  /** Bytes of every chunk frame in the store's packs. */
  storedBytes: number;
  /** Non-zero logical bytes per unique chunk byte (1 for an empty store). */
  dedupRatio: number;
}

export interface ChunkStore extends ImageStore {
  stats(): Promise<ChunkStoreStats>;
  close(): Promise<void>;
}

export interface ChunkStores<S extends ChunkStore = ChunkStore> {
  /** A new store at `location.dir` (StoreExistsError when one is there); encrypted iff a key is given. */
  create(location: ChunkStoreLocation): Promise<S>;
  /** The store at `location.dir` (StoreNotFoundError when none, WrongKeyError for a wrong key). */
  open(location: ChunkStoreLocation): Promise<S>;
  /** Removes the store's data; a missing directory is no error (destroy is idempotent). */
  destroy(dir: string): Promise<void>;
}
