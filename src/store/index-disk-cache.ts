// A local copy of a remote store's index blobs, kept between processes (restic's cache dir does
// the same for its index files). Opening an S3 store and loading its index cost a GET per index
// blob (99 for the 2 GiB benchmark store, ≈ 0.3 s on the test RGW); with the copies here a load
// lists the indexes and the packs and fetches only the blobs it has no copy of.
//
// Correct because index blobs are immutable: a key (index/<pack id>, index/m-<random id>) is
// written once and never rewritten with other content (a repack writes a new pack, a merge a new
// blob; repair writes back the bytes the backup wrote). Only blobs the store lists are looked up
// here, so a blob GC removed is never used, and every copy is decoded and verified as a fetched
// blob is (its frame is hashed, or authenticated in an encrypted store): a missing, cut or
// damaged copy is fetched from the store again. Blobs stay encrypted here as they are in the store.
//
// Layout: <cache dir>/<store>/index/<blob>, where <store> is a hash of where the store is (the
// backend's cacheName: endpoint, bucket, prefix) and of its config.json, so a store re-created
// at the same place never sees another's copies. Copies are written to a temporary name and
// renamed (never fsynced: a copy a crash damaged fails its check and is fetched again). Copies
// of blobs the store no longer lists are removed by the first load of each open store and by
// any load that sees blobs vanish (a GC's merge).
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BlobBackend } from "./backend.ts";
import { INDEX_PREFIX } from "./pack-index.ts";
import type { StoreConfig } from "./store-config.ts";
import { configChecksum } from "./store-config.ts";

export class IndexDiskCache {
  /** this store's directory in the cache */
  readonly dir: string;
  #pruned = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The cache of a store under root, or null for a backend that is local already. */
  static of(root: string | undefined, backend: BlobBackend, config: StoreConfig): IndexDiskCache | null {
    const where = backend.cacheName?.();
    if (!root || !where) return null;
    const store = createHash("sha256").update(`${where}\n${configChecksum(config)}`).digest("hex").slice(0, 32);
    return new IndexDiskCache(join(root, store));
  }

  /** The copy of an index blob, or null (none, or unreadable: the store's is read instead). */
  async read(key: string): Promise<Buffer | null> {
    return readFile(join(this.dir, key)).catch(() => null);
  }

  /** Keeps a copy of a blob the store holds (read from it, or just written to it); best effort. */
  async write(key: string, blob: Uint8Array): Promise<void> {
    const path = join(this.dir, key);
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await mkdir(join(this.dir, INDEX_PREFIX), { recursive: true });
      await writeFile(tmp, blob);
      await rename(tmp, path);
    } catch {
      await rm(tmp, { force: true }).catch(() => {}); // a full or read-only disk costs speed only
    }
  }

  /**
   * Removes the copies of blobs the store no longer lists, on the first load of an open store
   * and whenever a load saw blobs vanish. Temporary files stay: another process may be writing
   * one (a process killed mid-write leaves one behind, a few KiB).
   */
  async prune(listed: ReadonlySet<string>, sawBlobsVanish: boolean): Promise<void> {
    if (this.#pruned && !sawBlobsVanish) return;
    this.#pruned = true;
    const names = await readdir(join(this.dir, INDEX_PREFIX)).catch(() => []);
    const stale = names.filter((n) => !listed.has(INDEX_PREFIX + n) && !n.includes(".tmp-"));
    await Promise.all(stale.map((n) => rm(join(this.dir, INDEX_PREFIX, n), { force: true }).catch(() => {})));
  }
}
