// Mark-and-sweep garbage collection over packs. Marks = ids in every manifest plus ids registered
// by live backup sessions (read first; see session.ts). Only packs older than the grace period
// are touched: one holding no live chunk is deleted (index first, so nothing names a pack that
// is going), one that is mostly garbage is repacked (its live frames copied, together with those
// of the other packs being repacked, into new packs, durable with their indexes before the old
// indexes and packs go; all indexes go before any pack, with one flush between). Any doubt (a manifest or index that cannot
// be read, a referenced chunk that is missing, a listing error) aborts before the first deletion.
import type { BlobBackend } from "./backend.ts";
import { allSettledOrThrow, forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { GcLockedError } from "./errors.ts";
import { listBackupIds, readManifest } from "./manifest.ts";
import type { ChunkIndex, PackEntry } from "./pack-index.ts";
import { encodeMergedIndex, indexKey, listPacks, MERGED_PREFIX, newPackId, packKey } from "./pack-index.ts";
import { loadChunkIndex } from "./index-load.ts";
import { PackWriter } from "./pack-writer.ts";
import { acquireGcLock, bumpGcEpoch, sweepBrokenMarkers } from "./gc-lock.ts";
import { readSessions } from "./session.ts";

export const DEFAULT_GC_GRACE_MS = 24 * 3600 * 1000;
/** A pack whose garbage is at least this share of its bytes is rewritten without it. */
const REPACK_SHARE = 0.25;

export interface GcOptions {
  /** Unreferenced chunks in packs younger than this survive (default 24 h). */
  graceMs?: number;
}

export interface GcReport {
  deletedChunks: number;
  deletedBytes: number;
  /** Bytes the store no longer holds: deletedBytes plus the packs interrupted backups left without an index. */
  reclaimedBytes: number;
  /** unreferenced chunks kept because their pack is younger than the grace period */
  keptRecent: number;
  /** unreferenced chunks kept in packs with too little garbage to be worth rewriting */
  keptInPartialPacks: number;
  liveChunks: number;
  deletedPacks: number;
  repackedPacks: number;
  /** temporary files of interrupted writes removed */
  removedTemp: number;
  /** index blobs replaced by merged ones */
  mergedIndexes: number;
  /** packs with garbage GC left alone because Object Lock retains them (a locked copy's); collected once it passes */
  waitingForLockPacks: number;
  /** the garbage bytes in those packs */
  waitingForLockBytes: number;
  /** when the first of those retentions passes (ISO 8601), null when none waits */
  nextLockExpiry: string | null;
  /** set when GC stopped without deleting anything */
  aborted: string | null;
}

type WithSweep = BlobBackend & { sweepIncomplete?: (prefix: string, olderThanMs: number) => Promise<number> };

export async function runGc(backend: WithSweep, keys: StoreKeys | null, opts: GcOptions = {}): Promise<GcReport> {
  const graceMs = opts.graceMs ?? DEFAULT_GC_GRACE_MS;
  const lease = await acquireGcLock(backend);
  if (!lease) throw new GcLockedError();
  const report: GcReport = { deletedChunks: 0, deletedBytes: 0, reclaimedBytes: 0, keptRecent: 0, keptInPartialPacks: 0, liveChunks: 0, deletedPacks: 0, repackedPacks: 0, removedTemp: 0, mergedIndexes: 0, waitingForLockPacks: 0, waitingForLockBytes: 0, nextLockExpiry: null, aborted: null };
  try {
    let marked: Set<string>;
    let fromManifests: Set<string>;
    let deadSessionKeys: string[];
    let index: ChunkIndex;
    let packs: Awaited<ReturnType<typeof listPacks>>;
    try {
      const sessions = await readSessions(backend);
      deadSessionKeys = sessions.deadKeys;
      fromManifests = new Set<string>();
      for (const id of await listBackupIds(backend)) {
        for (const c of (await readManifest(backend, id, keys)).ids) if (c) fromManifests.add(c);
      }
      marked = new Set([...fromManifests, ...sessions.live]);
      index = await loadChunkIndex(backend, keys);
      packs = await listPacks(backend); // after the indexes: see loadChunkIndex
    } catch (err) {
      report.aborted = `could not establish the live set: ${(err as Error).message}`;
      return report;
    }
    const missing = [...fromManifests].filter((id) => {
      const loc = index.chunks.get(id);
      return !(loc && packs.has(loc.pack));
    });
    if (missing.length > 0) {
      report.aborted = `${missing.length} referenced chunk(s) missing (first ${missing[0]}); run verify`;
      return report;
    }
    report.liveChunks = fromManifests.size;
    const now = Date.now();
    const old = (pack: string) => now - (packs.get(pack)?.mtimeMs ?? 0) >= graceMs;
    // a chunk's live copy is the one the index resolves to; other copies (an interrupted repack) are garbage
    const isLive = (pack: string, e: PackEntry) => marked.has(e.id) && index.chunks.get(e.id)?.pack === pack;
    const candidates: Candidate[] = [];
    for (const [pack, entries] of index.packs) {
      const dead = entries.filter((e) => !isLive(pack, e));
      if (dead.length === 0) continue;
      if (!old(pack)) {
        report.keptRecent += dead.length;
        continue;
      }
      const deadBytes = dead.reduce((t, e) => t + e.len, 0);
      const packBytes = entries.reduce((t, e) => t + e.len, 0);
      if (dead.length === entries.length) candidates.push({ pack, live: null, deadChunks: dead.length, deadBytes });
      else if (deadBytes >= REPACK_SHARE * packBytes) candidates.push({ pack, live: entries.filter((e) => isLive(pack, e)), deadChunks: dead.length, deadBytes });
      else report.keptInPartialPacks += dead.length;
    }
    const unindexed = [...packs].filter(([pack, info]) => !index.packs.has(pack) && now - info.mtimeMs >= graceMs);
    // a pack under Object Lock retention (a locked copy's) is neither deleted nor repacked (a
    // repack deletes its source) until the retention passes: the storage would refuse, or in a
    // versioned bucket hide it behind a delete marker while a locked copy still names it
    const locks = await retentions(backend, [...candidates.map((c) => c.pack), ...unindexed.map(([pack]) => pack)]);
    const deadPacks: string[] = [];
    const repacks: Array<{ pack: string; live: PackEntry[] }> = [];
    for (const c of candidates) {
      if (locks.has(c.pack)) {
        report.waitingForLockPacks++;
        report.waitingForLockBytes += c.deadBytes;
        continue;
      }
      if (c.live) repacks.push({ pack: c.pack, live: c.live });
      else deadPacks.push(c.pack);
      report.deletedChunks += c.deadChunks;
      report.deletedBytes += c.deadBytes;
    }
    for (const [pack, info] of unindexed) {
      if (!locks.has(pack)) continue;
      report.waitingForLockPacks++;
      report.waitingForLockBytes += info.size;
    }
    const expiries = [...locks.values()].map((d) => d.getTime());
    report.nextLockExpiry = expiries.length > 0 ? new Date(Math.min(...expiries)).toISOString() : null;
    lease.assertHeld(); // before the first write and deletion: a lapsed holder must not act beside its successor
    await repackAll(backend, keys, repacks);
    lease.assertHeld();
    // every index first and durable, so nothing names a pack that is going, then the packs
    const gone = [...deadPacks, ...repacks.map((r) => r.pack)];
    await forEachLimit(gone, 16, (pack) => backend.delete(indexKey(pack)));
    await backend.flush();
    await forEachLimit(gone, 16, (pack) => backend.delete(packKey(pack)));
    report.deletedPacks += deadPacks.length;
    report.repackedPacks += repacks.length;
    lease.assertHeld();
    // packs without an index: backups interrupted before indexing them (never named by a manifest)
    for (const [pack, info] of unindexed) {
      if (!locks.has(pack)) {
        await backend.delete(packKey(pack));
        report.deletedPacks++;
        report.reclaimedBytes += info.size;
      }
    }
    // indexes that outlived their pack (a GC removed a pack before its backup indexed it) name nothing
    for (const pack of index.dangling.keys()) await backend.delete(indexKey(pack));
    report.reclaimedBytes += report.deletedBytes;
    report.mergedIndexes = await mergeIndexes(backend, keys, index, new Set(gone));
    // every temporary file the store writes, wherever a kill left it: packs, indexes and
    // manifests, but also session parts, lock files being taken (locks/gc.tmp-*) and config.json's
    lease.assertHeld();
    if (backend.sweepIncomplete) report.removedTemp += await backend.sweepIncomplete("", graceMs);
    await sweepBrokenMarkers(backend);
    for (const k of deadSessionKeys) await backend.delete(k);
    await backend.flush();
    await bumpGcEpoch(backend);
    return report;
  } finally {
    await lease.release();
  }
}

interface Candidate {
  pack: string;
  /** the chunks a repack keeps; null: the pack holds no live chunk and goes whole */
  live: PackEntry[] | null;
  deadChunks: number;
  deadBytes: number;
}

/** The packs among these that the storage retains (Object Lock), with the date each is retained until. */
async function retentions(backend: BlobBackend, packs: readonly string[]): Promise<Map<string, Date>> {
  const locked = new Map<string, Date>();
  const ask = backend.retainedUntil?.bind(backend);
  if (!ask) return locked;
  await forEachLimit(packs, 16, async (pack) => {
    const until = await ask(packKey(pack));
    if (until) locked.set(pack, until);
  });
  return locked;
}

/** Merge once a store has this many index blobs (or whenever a GC removed packs or found stale or doubled entries). */
const MERGE_AT = 16;
/** Packs' entries per merged blob (≈ 60 bytes each): bounded blobs for object stores too. */
const MERGED_MAX_ENTRIES = 1 << 16;

/**
 * Replaces the index blobs GC read by merged ones holding the entries of the packs still
 * present: a store keeps a few large index blobs instead of one per pack, and loading them
 * (every backup, restore, verify and GC) stays a few reads as the store grows. The merged
 * blobs are durable before any blob they replace goes; a backup's blob written meanwhile was
 * not read and stays. Returns how many blobs were replaced.
 */
async function mergeIndexes(backend: BlobBackend, keys: StoreKeys | null, index: ChunkIndex, gone: ReadonlySet<string>): Promise<number> {
  const stale = gone.size > 0 || index.dangling.size > 0 || index.overlapping > 0;
  if (index.blobs.length === 0 || (index.blobs.length < MERGE_AT && !stale)) return 0;
  let shard = new Map<string, PackEntry[]>();
  let n = 0;
  const writes: Array<Promise<void>> = [];
  const flushShard = () => {
    if (shard.size > 0) writes.push(backend.put(`${MERGED_PREFIX}${newPackId()}`, encodeMergedIndex(shard, keys)));
    shard = new Map();
    n = 0;
  };
  for (const [pack, entries] of index.packs) {
    if (gone.has(pack)) continue;
    if (n + entries.length > MERGED_MAX_ENTRIES) flushShard();
    shard.set(pack, entries);
    n += entries.length;
  }
  flushShard();
  await allSettledOrThrow(writes);
  await backend.flush();
  await forEachLimit(index.blobs, 16, (k) => backend.delete(k));
  await backend.flush();
  return index.blobs.length;
}

/**
 * Copies the live frames of the given packs into new packs (the live frames of several packs
 * share new packs rather than each leaving a small one), durable with their indexes before
 * returning; the caller then removes the old packs.
 */
async function repackAll(backend: BlobBackend, keys: StoreKeys | null, repacks: ReadonlyArray<{ pack: string; live: readonly PackEntry[] }>): Promise<void> {
  if (repacks.length === 0) return;
  const writer = new PackWriter(backend, keys);
  // a few packs read at a time; frames arriving while a write is in flight go out together
  await forEachLimit(repacks, 2, async ({ pack, live }) => {
    const blob = await backend.get(packKey(pack));
    const short = live.find((e) => e.off + e.len > blob.length);
    if (short) throw new Error(`pack ${pack} is shorter than its index says (chunk ${short.id}); run verify`);
    await allSettledOrThrow(live.map((e) => writer.add(e.id, [blob.subarray(e.off, e.off + e.len)], e.plainLen)));
  });
  await writer.finish();
  await backend.flush();
}
