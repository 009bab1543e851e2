// Object Lock hooks (for locked cloud copies): COMPLIANCE retention on the objects a copy needs
// (its manifest and the packs holding its chunks). Retention only ever grows: a pack shared by
// copies locked until different dates keeps the latest, so each key's current retention is read
// first and left alone when it already reaches `until` (S3 refuses to shorten COMPLIANCE
// retention anyway; asking would fail the whole call).
import { GetObjectRetentionCommand, PutObjectRetentionCommand } from "@aws-sdk/client-s3";
import { forEachLimit } from "../concurrency.ts";
import { s3Name } from "./s3-client.ts";
import type { S3Requests } from "./s3-requests.ts";

// an object never retained (AWS and RGW name that differently), or a bucket without Object Lock
// (RGW: InvalidRequest "bucket object lock not configured", as AWS)
const NO_RETENTION = new Set(["NoSuchObjectLockConfiguration", "ObjectLockConfigurationNotFoundError", "InvalidRequest"]);

export interface RetentionReport {
  /** keys whose retention was set or extended to `until` */
  extended: number;
  /** keys already retained until `until` or later */
  kept: number;
}

/** The key's retention date as the bucket holds it (past or future), null when it was never retained. */
export async function readRetention(r: S3Requests, key: string): Promise<Date | null> {
  return r
    .run("GetObjectRetention", key, (c, loc, o) => c.send(new GetObjectRetentionCommand(loc), o))
    .then((out) => out.Retention?.RetainUntilDate ?? null)
    .catch((err: unknown) => {
      if (err instanceof Error && NO_RETENTION.has(s3Name(err.cause))) return null;
      throw err;
    });
}

export async function setComplianceRetention(r: S3Requests, keys: readonly string[], until: Date): Promise<RetentionReport> {
  const report: RetentionReport = { extended: 0, kept: 0 };
  await forEachLimit(keys, 8, async (key) => {
    const current = await readRetention(r, key);
    if (current && current.getTime() >= until.getTime()) {
      report.kept++;
      return;
    }
    await r.run("PutObjectRetention", key, (c, loc, o) => c.send(new PutObjectRetentionCommand({ ...loc, Retention: { Mode: "COMPLIANCE", RetainUntilDate: until } }), o));
    report.extended++;
  });
  return report;
}
