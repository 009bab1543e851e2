// Locks kept by the storage, on a data plane: the images a copy needs are retained until its
// lockedUntil before the copy is listed (a run's tier) or its row extended (PATCH, copy-locks.ts).
// On S3 with Object Lock that is COMPLIANCE retention on every object the image needs; elsewhere
// the store cannot enforce it, obr's own lockedUntil is the guard, and the log says which.
import type { ImageLock, ImageStore } from "../infrastructure/image-store.ts";

/** Locks every image in the store until `until` (ISO-8601) and logs what the storage enforces. */
export async function lockImages(store: ImageStore, imageIds: readonly string[], until: string, log: (line: string) => Promise<void>): Promise<void> {
  const results: ImageLock[] = [];
  for (const id of new Set(imageIds)) results.push(await store.lockImage(id, new Date(until)));
  const unenforced = results.find((r) => !r.enforced);
  if (unenforced) {
    await log(`locked until ${until} by obr (${unenforced.note})`);
    return;
  }
  const extended = results.reduce((n, r) => n + r.extended, 0);
  const kept = results.reduce((n, r) => n + r.kept, 0);
  await log(`locked until ${until} by the store's Object Lock (COMPLIANCE): retention set on ${extended} objects, ${kept} already held longer`);
}
