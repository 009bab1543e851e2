// Mark-and-sweep garbage collection. Marks = ids in every manifest plus ids registered by live
// backup sessions (read first; see session.ts). Sweeps only chunks older than the grace period.
// Any doubt (a manifest that cannot be read, a referenced chunk that is missing, a listing
// error) aborts before the first deletion.
import type { BlobBackend } from "./backend.ts";
import { CHUNK_PREFIX, chunkKey, idFromChunkKey } from "./chunk-sink.ts";
import { forEachLimit } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import { GcLockedError } from "./errors.ts";
import { listBackupIds, readManifest } from "./manifest.ts";
import { acquireGcLock, bumpGcEpoch, readSessions, releaseGcLock } from "./session.ts";

export const DEFAULT_GC_GRACE_MS = 24 * 3600 * 1000;

export interface GcOptions {
  /** Unreferenced chunks younger than this survive (default 24 h). */
  graceMs?: number;
}

export interface GcReport {
  deletedChunks: number;
  deletedBytes: number;
  /** unreferenced chunks kept because they are younger than the grace period */
  keptRecent: number;
  liveChunks: number;
  /** temporary files of interrupted writes removed */
  removedTemp: number;
  /** set when GC stopped without deleting anything */
  aborted: string | null;
}

type WithSweep = BlobBackend & { sweepIncomplete?: (prefix: string, olderThanMs: number) => Promise<number> };

export async function runGc(backend: WithSweep, keys: StoreKeys | null, opts: GcOptions = {}): Promise<GcReport> {
  const graceMs = opts.graceMs ?? DEFAULT_GC_GRACE_MS;
  if (!(await acquireGcLock(backend))) throw new GcLockedError();
  const report: GcReport = { deletedChunks: 0, deletedBytes: 0, keptRecent: 0, liveChunks: 0, removedTemp: 0, aborted: null };
  try {
    let marked: Set<string>;
    let fromManifests: Set<string>;
    let deadSessionKeys: string[];
    let chunks: Awaited<ReturnType<BlobBackend["list"]>>;
    try {
      const sessions = await readSessions(backend);
      deadSessionKeys = sessions.deadKeys;
      fromManifests = new Set<string>();
      for (const id of await listBackupIds(backend)) {
        for (const c of (await readManifest(backend, id, keys)).ids) if (c) fromManifests.add(c);
      }
      marked = new Set([...fromManifests, ...sessions.live]);
      chunks = await backend.list(CHUNK_PREFIX);
    } catch (err) {
      report.aborted = `could not establish the live set: ${(err as Error).message}`;
      return report;
    }
    const present = new Set(chunks.map((c) => idFromChunkKey(c.key)));
    const missing = [...fromManifests].filter((id) => !present.has(id));
    if (missing.length > 0) {
      report.aborted = `${missing.length} referenced chunk(s) missing (first ${chunkKey(missing[0] as string)}); run verify`;
      return report;
    }
    report.liveChunks = fromManifests.size;
    const now = Date.now();
    const doomed = chunks.filter((c) => {
      const id = idFromChunkKey(c.key);
      if (id === null || marked.has(id)) return false;
      if (now - c.mtimeMs < graceMs) {
        report.keptRecent++;
        return false;
      }
      return true;
    });
    await forEachLimit(doomed, 16, async (c) => {
      await backend.delete(c.key);
      report.deletedChunks++;
      report.deletedBytes += c.size;
    });
    if (backend.sweepIncomplete) {
      report.removedTemp += await backend.sweepIncomplete(CHUNK_PREFIX, graceMs);
      report.removedTemp += await backend.sweepIncomplete("backups/", graceMs);
    }
    for (const k of deadSessionKeys) await backend.delete(k);
    await backend.flush();
    await bumpGcEpoch(backend);
    return report;
  } finally {
    await releaseGcLock(backend);
  }
}
