// The ChunkStores port (src/services/infrastructure/chunk-stores.ts) on ProtectionStore
// directories. An encrypted store's key is a random 256-bit secret (see key-vault.ts), used as
// the store's passphrase: it needs no stretching, so the scrypt cost is the store's minimum.
import { rm } from "node:fs/promises";
import type { ChunkStoreLocation, ChunkStores } from "../services/infrastructure/chunk-stores.ts";
import { wrapStoreError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";

/** scrypt's smallest cost the store accepts: the key already has 256 bits of entropy. */
const RANDOM_KEY_SCRYPT_N = 2 ** 10;

export interface ProtectionStoreFactoryOptions {
  /** Worker threads of each store's own pool; default: the shared pool. */
  threads?: number;
}

export class ProtectionStoreFactory implements ChunkStores<ProtectionStore> {
  readonly #threads: number | undefined;

  constructor(options: ProtectionStoreFactoryOptions = {}) {
    this.#threads = options.threads;
  }

  create({ dir, key }: ChunkStoreLocation): Promise<ProtectionStore> {
    return ProtectionStore.create(dir, { ...this.#threadOption(), ...(key !== undefined ? { passphrase: key, scryptN: RANDOM_KEY_SCRYPT_N } : {}) });
  }

  open({ dir, key }: ChunkStoreLocation): Promise<ProtectionStore> {
    return ProtectionStore.open(dir, { ...this.#threadOption(), ...(key !== undefined ? { passphrase: key } : {}) });
  }

  async destroy(dir: string): Promise<void> {
    try {
      await rm(dir, { recursive: true, force: true });
    } catch (err) {
      throw wrapStoreError(err, "destroy", dir);
    }
  }

  #threadOption(): { threads?: number } {
    return this.#threads !== undefined ? { threads: this.#threads } : {};
  }
}
