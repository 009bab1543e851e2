// What a cloud protection store needs to know of its bucket before it is made there and while
// it locks copies: reachable with the target's credentials, versioning state, Object Lock state;
// and the removal of a store's whole prefix, every version and delete marker included (in a
// versioned bucket a plain DeleteObject only hides an object).
import { DeleteObjectsCommand, GetBucketVersioningCommand, GetObjectLockConfigurationCommand, HeadBucketCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import type { BucketState } from "../../services/infrastructure/chunk-stores.ts";
import { S3RequestError, s3Name, s3Status } from "./s3-client.ts";
import type { S3Requests } from "./s3-requests.ts";

export type { BucketState };

const NO_LOCK_CONFIG = new Set(["ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration", "InvalidRequest"]);

/** The request's own failure, not the errno wrapper s3Error adds. */
const cause = (err: unknown): unknown => (err instanceof S3RequestError ? err.cause : err);

/**
 * The bucket's state, or an Error whose message says plainly why it cannot be used
 * ("bucket b on http://h:p: access denied" / "no such bucket" / "unreachable (…)").
 */
export async function inspectBucket(r: S3Requests, where: string): Promise<BucketState> {
  const fail = (err: unknown): never => {
    const e = cause(err);
    const status = s3Status(e);
    const name = s3Name(e);
    const why =
      status === 403 || name === "AccessDenied" || name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch"
        ? `access denied with the configured credentials (HTTP ${status ?? 403}${name === "Unknown" || name === "AccessDenied" ? "" : `, ${name}`})`
        : status === 404 || name === "NoSuchBucket" || name === "NotFound"
          ? "no such bucket"
          : status !== undefined
            ? `${name} (HTTP ${status})`
            : `unreachable (${e instanceof Error ? e.message : String(e)})`;
    throw new S3RequestError(status === 403 ? "EACCES" : status === 404 ? "ENOENT" : "EIO", `bucket ${r.bucket} on ${where}: ${why}`, status, { cause: e });
  };
  await r.run("HeadBucket", "", (c, loc, o) => c.send(new HeadBucketCommand({ Bucket: loc.Bucket }), o)).catch(fail);
  const versioning = await r.run("GetBucketVersioning", "", (c, loc, o) => c.send(new GetBucketVersioningCommand({ Bucket: loc.Bucket }), o)).catch(fail);
  const objectLock = await r
    .run("GetObjectLockConfiguration", "", (c, loc, o) => c.send(new GetObjectLockConfigurationCommand({ Bucket: loc.Bucket }), o))
    .then((out) => out.ObjectLockConfiguration?.ObjectLockEnabled === "Enabled")
    .catch((err: unknown) => (NO_LOCK_CONFIG.has(s3Name(cause(err))) ? false : fail(err)));
  const status = versioning.Status;
  return { versioning: status === "Enabled" || status === "Suspended" ? status : "Disabled", objectLock };
}

/**
 * Deletes every object version and delete marker under the backend's prefix (the store's
 * whole data). A version still under retention makes it fail with the bucket's refusal.
 */
export async function destroyPrefix(r: S3Requests): Promise<number> {
  let removed = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await r.run("ListObjectVersions", "", (c, loc, o) =>
      c.send(new ListObjectVersionsCommand({ Bucket: loc.Bucket, Prefix: r.prefix, ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(versionMarker ? { VersionIdMarker: versionMarker } : {}) }), o),
    );
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((v) => v.Key?.startsWith(r.prefix))
      .map((v) => ({ Key: v.Key ?? "", ...(v.VersionId && v.VersionId !== "null" ? { VersionId: v.VersionId } : {}) }));
    if (objects.length > 0) {
      const out = await r.run("DeleteObjects", "", (c, loc, o) => c.send(new DeleteObjectsCommand({ Bucket: loc.Bucket, Delete: { Objects: objects, Quiet: true } }), o));
      const refused = out.Errors ?? [];
      if (refused.length > 0) {
        const first = refused[0];
        throw new S3RequestError("EACCES", `S3 DeleteObjects ${first?.Key ?? ""} (${first?.Code ?? "refused"}: ${refused.length} of ${objects.length} objects kept)`, 403);
      }
      removed += objects.length;
    }
    if (!page.IsTruncated) return removed;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
}
