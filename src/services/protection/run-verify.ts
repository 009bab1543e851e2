// Verification of a backup's images: every chunk each image needs is re-read and re-hashed. A
// damaged image is a finding recorded on the copy (verified false), not a thrown error.
import type { Clock } from "../../domain/clock.ts";
import type { ImageStore, StoredImage } from "../infrastructure/image-store.ts";
import type { VerificationResult } from "./copy-records.ts";
import { ByteProgress, type ProgressSink } from "./run-progress.ts";

export interface VerifyWork extends ProgressSink {
  signal?: AbortSignal;
  log(message: string): Promise<void>;
}

export async function verifyImages(
  store: ImageStore,
  images: readonly Pick<StoredImage, "imageId" | "sizeBytes">[],
  work: VerifyWork,
  band: { from: number; to: number; clock: Clock },
): Promise<VerificationResult> {
  const { from, to, clock } = band;
  const progress = new ByteProgress(work, from, to, images.map((i) => i.sizeBytes));
  const problems: string[] = [];
  let bytes = 0;
  for (const [i, image] of images.entries()) {
    const result = await store.verifyImage(image.imageId, { ...(work.signal ? { signal: work.signal } : {}), onProgress: (done, total) => progress.report(i, done, total) });
    bytes += result.bytesChecked;
    problems.push(...result.problems.map((p) => `image ${image.imageId}: ${p}`));
    if (!result.ok && result.problems.length === 0) problems.push(`image ${image.imageId}: damaged`);
  }
  await work.log(problems.length === 0 ? `verified: ${bytes} bytes re-read and re-hashed` : `verification found ${problems.length} problem(s): ${problems.slice(0, 3).join("; ")}`);
  return { ok: problems.length === 0, verifiedAt: new Date(clock.now()).toISOString(), problems };
}
