// The ChunkStores port (src/services/infrastructure/chunk-stores.ts) on ProtectionStores in a
// directory or under a prefix of an S3 bucket. An encrypted store's key is a random 256-bit
// secret (see key-vault.ts), used as the store's passphrase: it needs no stretching, so the
// scrypt cost is the store's minimum. The S3 backend (and with it the AWS SDK, ≈ 45 ms to load)
// is imported only when a store on S3 is opened.
import { rm } from "node:fs/promises";
import type { BucketState, ChunkStoreLocation, ChunkStores, S3StoreTarget } from "../services/infrastructure/chunk-stores.ts";
import type { BlobBackend } from "./backend.ts";
import { LocalDirBackend } from "./backends/local-dir.ts";
import type { S3Backend, S3BackendOptions } from "./backends/s3.ts";
import { StoreUnavailableError, wrapStoreError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";

/** scrypt's smallest cost the store accepts: the key already has 256 bits of entropy. */
const RANDOM_KEY_SCRYPT_N = 2 ** 10;

export interface ProtectionStoreFactoryOptions {
  /** Worker threads of each store's own pool; default: the shared pool. */
  threads?: number;
  /** Options of every S3 backend (tests shorten retries). */
  s3?: S3BackendOptions;
  /** Where S3 stores' index blobs are kept between operations (OpenOptions.cacheDir); absent: not kept. */
  cacheDir?: string;
}

export class ProtectionStoreFactory implements ChunkStores<ProtectionStore> {
  readonly #threads: number | undefined;
  readonly #s3: S3BackendOptions;
  readonly #cacheDir: string | undefined;

  constructor(options: ProtectionStoreFactoryOptions = {}) {
    this.#threads = options.threads;
    this.#s3 = options.s3 ?? {};
    this.#cacheDir = options.cacheDir;
  }

  async create(location: ChunkStoreLocation): Promise<ProtectionStore> {
    const { key } = location;
    return ProtectionStore.createOn(await this.#backend(location), { ...this.#openOptions(), ...(key !== undefined ? { passphrase: key, scryptN: RANDOM_KEY_SCRYPT_N } : {}) });
  }

  async open(location: ChunkStoreLocation): Promise<ProtectionStore> {
    const { key } = location;
    return ProtectionStore.openOn(await this.#backend(location), { ...this.#openOptions(), ...(key !== undefined ? { passphrase: key } : {}) });
  }

  async destroy(location: ChunkStoreLocation): Promise<void> {
    try {
      if ("dir" in location) await rm(location.dir, { recursive: true, force: true });
      else await (await this.#s3Backend(location.s3)).destroyAll();
    } catch (err) {
      throw wrapStoreError(err, "destroy", "dir" in location ? location.dir : undefined);
    }
  }

  async inspectBucket(target: S3StoreTarget): Promise<BucketState> {
    try {
      return await (await this.#s3Backend(target)).inspectBucket();
    } catch (err) {
      const { S3RequestError } = await import("./backends/s3-client.ts");
      // the message says plainly why the bucket cannot be used (s3-bucket.ts)
      if (err instanceof S3RequestError) throw new StoreUnavailableError(err.syscall, { cause: err });
      throw wrapStoreError(err, "check bucket");
    }
  }

  async #backend(location: ChunkStoreLocation): Promise<BlobBackend> {
    return "dir" in location ? new LocalDirBackend(location.dir) : this.#s3Backend(location.s3);
  }

  async #s3Backend(t: S3StoreTarget): Promise<S3Backend> {
    const { S3Backend } = await import("./backends/s3.ts");
    const target = {
      ...(t.endpoint !== undefined ? { endpoint: t.endpoint } : {}),
      region: t.region,
      bucket: t.bucket,
      prefix: t.prefix,
      addressing: t.forcePathStyle ? ("path" as const) : ("virtual" as const),
      credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    };
    return new S3Backend(target, this.#s3);
  }

  #openOptions(): { threads?: number; cacheDir?: string } {
    return { ...(this.#threads !== undefined ? { threads: this.#threads } : {}), ...(this.#cacheDir !== undefined ? { cacheDir: this.#cacheDir } : {}) };
  }
}
