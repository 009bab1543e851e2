// Loading a store's chunk index: every index blob (or, with an open store's cache, those not
// read before), then the packs present. The blobs' format and ChunkIndex are in pack-index.ts.
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import { forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { StoreIndexDamagedError } from "./errors.ts";
import type { IndexDiskCache } from "./index-disk-cache.ts";
import type { PackEntry } from "./pack-index.ts";
import { ChunkIndex, decodeIndex, decodeMergedIndex, INDEX_PREFIX, isMergedKey, PACK_PREFIX, packIdFromKey } from "./pack-index.ts";

/**
 * Decoded index blobs kept between loads by one open store. An index blob never changes once
 * written (a repack writes a new pack under a new id, a merge a new blob), so a load only lists
 * the indexes and the packs and reads the blobs it has not seen: a restore or a byte-range read
 * no longer re-reads every index of the store (60-120 ms for a 2 GiB store, growing with it).
 * Verify and GC load without a cache: they must read every blob. A remote store's cache also
 * keeps copies of the blobs on local disk between processes (`disk`).
 */
export class IndexCache {
  /** blob key -> the entries it holds, per pack */
  readonly entries = new Map<string, ReadonlyMap<string, PackEntry[]>>();
  last: { index: ChunkIndex; present: ReadonlySet<string> } | null = null;
  /** copies of a remote store's blobs kept on local disk between processes (index-disk-cache.ts) */
  readonly disk: IndexDiskCache | null;

  constructor(disk: IndexDiskCache | null = null) {
    this.disk = disk;
  }
}

/** A load re-lists this often when blobs vanish under it (a GC merging them) before giving up. */
const LOAD_ATTEMPTS = 5;

export interface LoadOptions {
  /** the open store's decoded blobs, kept between loads */
  cache?: IndexCache;
  /**
   * Load what can be read and list the unreadable blobs in `ChunkIndex.unreadable` (restores,
   * backups, copies, verify: damage stays local to the chunks those blobs named). Without it an
   * unreadable blob throws StoreIndexDamagedError (GC and stats must not work from a partial view).
   */
  tolerate?: boolean;
}

/**
 * Reads every index blob (or, with a cache, those it lacks), then lists the packs (in that
 * order: a pack is written before its index, so every index read names a pack that existed by
 * then). A pack's entries are in its own blob or in a merged one (or, briefly, both). A blob
 * that vanishes between the listing and its read was removed by a GC, which first made its
 * entries durable elsewhere: the load starts over from a new listing.
 */
export async function loadChunkIndex(backend: BlobBackend, keys: StoreKeys | null, opts: LoadOptions = {}): Promise<ChunkIndex> {
  const { cache } = opts;
  const blobs = cache?.entries ?? new Map<string, ReadonlyMap<string, PackEntry[]>>();
  let listed: string[] = [];
  let unreadable: Array<{ key: string; reason: string }> = [];
  for (let attempt = 1; ; attempt++) {
    listed = (await backend.listKeys(INDEX_PREFIX)).filter((k) => packIdFromKey(k) || isMergedKey(k));
    const names = new Set(listed);
    const gone = [...blobs.keys()].filter((k) => !names.has(k));
    const unread = listed.filter((k) => !blobs.has(k));
    if ((gone.length > 0 || unread.length > 0) && cache) cache.last = null; // stale even if this load fails half-way
    for (const k of gone) blobs.delete(k);
    let vanished = false;
    unreadable = [];
    const disk = cache?.disk;
    await disk?.prune(names, gone.length > 0);
    await forEachLimit(unread, 16, async (k) => {
      const pack = packIdFromKey(k);
      const decode = (blob: Uint8Array) => (pack ? new Map([[pack, decodeIndex(blob, keys)]]) : decodeMergedIndex(blob, keys));
      const copy = await disk?.read(k);
      if (copy) {
        try {
          blobs.set(k, decode(copy));
          return;
        } catch {
          // a damaged or cut copy: the store's own blob is read and checked instead
        }
      }
      let blob: Buffer;
      try {
        blob = await backend.get(k);
      } catch (err) {
        if (isNotFound(err) && attempt < LOAD_ATTEMPTS) {
          vanished = true;
          return;
        }
        throw err; // an I/O failure, not damage
      }
      try {
        blobs.set(k, decode(blob));
      } catch (err) {
        unreadable.push({ key: k, reason: err instanceof Error ? err.message : String(err) });
        return;
      }
      await disk?.write(k, blob);
    });
    if (!vanished) break;
  }
  if (unreadable.length > 0 && !opts.tolerate) {
    throw new StoreIndexDamagedError(
      unreadable.map((u) => u.key),
      "this operation needs the whole index",
    );
  }
  const indexes = new Map<string, PackEntry[]>();
  let overlapping = 0;
  for (const k of listed) {
    for (const [pack, entries] of blobs.get(k) ?? []) {
      if (indexes.has(pack)) overlapping++;
      else indexes.set(pack, entries);
    }
  }
  const present = new Set<string>();
  for (const k of await backend.listKeys(PACK_PREFIX)) {
    const id = packIdFromKey(k);
    if (id) present.add(id);
  }
  const last = cache?.last;
  // unchanged indexes (else last was cleared above) and the same packs: the same index
  if (last && last.present.size === present.size && [...present].every((p) => last.present.has(p))) return last.index;
  const index = new ChunkIndex(indexes, present, listed, overlapping, unreadable);
  if (cache && unreadable.length === 0) cache.last = { index, present };
  return index;
}
