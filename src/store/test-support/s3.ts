// The store's tests on S3: the RGW the unit project's globalSetup started (test/helpers/rgw.ts),
// a fresh bucket per backend, and the list of backends parameterised tests run on.
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import { inject } from "vitest";
import type { BlobBackend } from "../backend.ts";
import { LocalDirBackend } from "../backends/local-dir.ts";
import type { S3BackendOptions, S3Target } from "../backends/s3.ts";
import { S3Backend } from "../backends/s3.ts";
import { makeS3Client } from "../backends/s3-client.ts";
import { tempDir } from "./fixtures.ts";

export interface BucketOptions {
  /** "plain" (default), "versioned", or "object-lock" (versioned, Object Lock enabled) */
  kind?: "plain" | "versioned" | "object-lock";
}

/** The test RGW's endpoint and keys, or null with the reason the S3 half is skipped. */
export function testRgw(): { target: Omit<S3Target, "bucket"> | null; skipReason: string } {
  const rgw = inject("rgw");
  if (!rgw) return { target: null, skipReason: inject("rgwSkipReason") || "no RGW" };
  return { target: { endpoint: rgw.endpoint, region: rgw.region, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } }, skipReason: "" };
}

/** A new bucket on the test RGW; returns the target naming it. */
export async function newBucket(opts: BucketOptions = {}): Promise<S3Target> {
  const { target } = testRgw();
  if (!target) throw new Error("no test RGW");
  const bucket = `obr-t-${randomBytes(6).toString("hex")}`;
  const client = makeS3Client({ ...target, bucket }, {});
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket, ...(opts.kind === "object-lock" ? { ObjectLockEnabledForBucket: true } : {}) }));
    if (opts.kind === "versioned") await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  } finally {
    client.destroy();
  }
  return { ...target, bucket };
}

/** An S3 backend on a new bucket (small parts and listing pages, so tests exercise multipart uploads and paging). */
export async function newS3Backend(opts: S3BackendOptions & BucketOptions = {}): Promise<S3Backend> {
  return new S3Backend(await newBucket(opts), { multipartThreshold: 5 << 20, partSize: 5 << 20, claimSettleMs: 20, pageSize: 7, ...opts });
}

export interface BackendKind {
  name: "local" | "s3";
  /** why this kind is skipped here ("" when it runs) */
  skip: string;
  /** A new, empty backend; `leaseMs` shortens the GC lock's and sessions' leases. */
  make(opts?: { leaseMs?: number }): Promise<BlobBackend>;
  cleanup(): void;
}

/** The backends every parameterised store test runs on: the local directory, and S3 when an RGW runs. */
export function backendKinds(): BackendKind[] {
  const t = tempDir();
  let n = 0;
  const { target, skipReason } = testRgw();
  return [
    { name: "local", skip: "", make: async (o = {}) => new LocalDirBackend(`${t.dir}/b${++n}`, o), cleanup: t.cleanup },
    { name: "s3", skip: target ? "" : skipReason, make: (o = {}) => newS3Backend(o), cleanup: () => {} },
  ];
}
