// GC's part on S3: multipart uploads that were never completed or aborted (a writer killed
// mid-pack) keep their parts, and the bucket bills for them, until someone aborts them.
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { S3RequestError } from "./s3-client.ts";
import type { S3Requests } from "./s3-requests.ts";

/**
 * Aborts the multipart uploads under prefix started more than olderThanMs ago, except those
 * this process is still writing. Returns how many were aborted.
 */
export async function sweepMultipartUploads(r: S3Requests, prefix: string, olderThanMs: number): Promise<number> {
  const now = Date.now();
  const stale: Array<{ key: string; uploadId: string }> = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await r.run("ListMultipartUploads", prefix, (c, loc, o) =>
      c.send(new ListMultipartUploadsCommand({ Bucket: loc.Bucket, Prefix: loc.Key, ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}) }), o),
    );
    for (const u of page.Uploads ?? []) {
      if (!u.Key?.startsWith(r.prefix) || !u.UploadId || r.uploadsInFlight.has(u.UploadId)) continue;
      if (now - (u.Initiated?.getTime() ?? now) >= olderThanMs) stale.push({ key: r.storeKey(u.Key), uploadId: u.UploadId });
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
  for (const u of stale) {
    await r.run("AbortMultipartUpload", u.key, (c, loc, o) => c.send(new AbortMultipartUploadCommand({ ...loc, UploadId: u.uploadId }), o)).catch((err: unknown) => {
      // aborted or completed meanwhile by its writer
      if (!(err instanceof S3RequestError && err.status === 404)) throw err;
    });
  }
  return stale.length;
}
