// Verification of a backup's images: every chunk each image needs is re-read and re-hashed (those
// a backup or copy wrote, already as their packs became durable: store/written-pack-check.ts),
// except, after a backup is written, the chunks it shares with the previous backup of the disk in
// the same store when that one was verified: those are looked up in place (indexed, in a pack
// long enough), so an incremental re-reads what it added, not the whole disk (0.8 s of a 1.5 s
// changed-block backup of 2 GiB). On-demand verification names no base: everything is re-read. A
// damaged image is a finding recorded on the copy (verified false), not a thrown error.
import type { Clock } from "../../domain/clock.ts";
import type { ImageStore, StoredImage, VerifiedOnWrite } from "../infrastructure/image-store.ts";
import type { VerificationResult } from "./copy-records.ts";
import { ByteProgress, type ProgressSink } from "./run-progress.ts";

export interface VerifyWork extends ProgressSink {
  signal?: AbortSignal;
  log(message: string): Promise<void>;
}

export async function verifyImages(
  store: ImageStore,
  images: readonly (Pick<StoredImage, "imageId" | "sizeBytes"> & { verifiedBase?: string | undefined; verifiedOnWrite?: VerifiedOnWrite | undefined })[],
  work: VerifyWork,
  band: { from: number; to: number; clock: Clock },
): Promise<VerificationResult> {
  const { from, to, clock } = band;
  const progress = new ByteProgress(work, from, to, images.map((i) => i.sizeBytes));
  const problems: string[] = [];
  let bytes = 0;
  let inPlace = 0;
  let onWrite = 0;
  for (const [i, image] of images.entries()) {
    const result = await store.verifyImage(image.imageId, {
      ...(work.signal ? { signal: work.signal } : {}),
      ...(image.verifiedBase ? { verifiedBase: image.verifiedBase } : {}),
      ...(image.verifiedOnWrite ? { verifiedOnWrite: image.verifiedOnWrite } : {}),
      onProgress: (done, total) => progress.report(i, done, total),
    });
    bytes += result.bytesChecked;
    inPlace += result.chunksFoundInPlace;
    onWrite += result.chunksCheckedOnWrite;
    problems.push(...result.problems.map((p) => `image ${image.imageId}: ${p}`));
    if (!result.ok && result.problems.length === 0) problems.push(`image ${image.imageId}: damaged`);
  }
  const checked = inPlace === 0 ? "every chunk re-read and re-hashed" : `the chunks new since the previous backup re-read and re-hashed, the ${inPlace} it shares with it found in place`;
  const early = onWrite === 0 ? "" : ` (${onWrite} chunks of them as soon as their packs were durable)`;
  await work.log(problems.length === 0 ? `verified: ${bytes} bytes re-read and re-hashed${early}${inPlace === 0 ? "" : `, ${inPlace} chunks shared with the previous backup found in place`}` : `verification found ${problems.length} problem(s): ${problems.slice(0, 3).join("; ")}`);
  return { ok: problems.length === 0, verifiedAt: new Date(clock.now()).toISOString(), checked, problems };
}
