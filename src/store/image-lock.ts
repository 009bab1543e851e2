// Locked copies kept by the storage: S3 Object Lock retention (COMPLIANCE) on the objects an
// image needs, its manifest and every pack holding one of its chunks (the pack the index
// resolves the chunk to: the copy every process reads and GC keeps). Retention only grows
// (s3-retention.ts). A directory, or a bucket without Object Lock, cannot enforce a lock: the
// result says so and the database's lockedUntil is then the only guard.
import type { ImageLock } from "../services/infrastructure/image-store.ts";
import type { BlobBackend } from "./backend.ts";
import type { S3Backend } from "./backends/s3.ts";
import type { Manifest } from "./manifest.ts";
import { BACKUP_PREFIX } from "./manifest.ts";
import type { ChunkIndex } from "./pack-index.ts";
import { packKey } from "./pack-index.ts";

/** The keys whose retention keeps the image restorable: its manifest first, then its packs. */
export function imageObjectKeys(m: Manifest, index: ChunkIndex): string[] {
  const packs = new Set<string>();
  for (const id of m.ids) {
    if (!id) continue; // a zero extent has no chunk
    const loc = index.chunks.get(id);
    if (!loc) throw index.missing(id);
    packs.add(loc.pack);
  }
  return [BACKUP_PREFIX + m.backupId, ...[...packs].sort().map(packKey)];
}

/**
 * A backend that can retain objects (S3). Asked by shape, not with instanceof: importing the S3
 * backend here loaded the AWS SDK (≈ 45 ms) into every process that opens any store.
 */
function canRetain(backend: BlobBackend): backend is BlobBackend & Pick<S3Backend, "inspectBucket" | "setRetention"> {
  return "inspectBucket" in backend && typeof backend.inspectBucket === "function" && "setRetention" in backend && typeof backend.setRetention === "function";
}

/** Whether the backend can enforce a lock, asked of the bucket once per open store. */
export function lockSupport(backend: BlobBackend): () => Promise<string> {
  let answer: Promise<string> | undefined;
  return () => {
    if (!canRetain(backend)) return Promise.resolve("the store is a directory: only the database's lockedUntil guards the copy");
    answer ??= backend.inspectBucket().then(
      (state) => (state.objectLock ? "" : "the store's bucket has no Object Lock: only the database's lockedUntil guards the copy"),
      (err: unknown) => {
        answer = undefined; // not cached: the next lock asks again
        throw err;
      },
    );
    return answer;
  };
}

/** Retention on the keys; call only where lockSupport answered "". */
export async function lockImageObjects(backend: BlobBackend, keys: readonly string[], until: Date): Promise<ImageLock> {
  if (!canRetain(backend)) throw new Error("only an S3 store's objects can be locked");
  const { extended, kept } = await backend.setRetention(keys, until);
  return { enforced: true, extended, kept, note: "" };
}
