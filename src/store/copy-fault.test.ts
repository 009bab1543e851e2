// A cloud copy whose object store goes away in the middle: the gateway of a throwaway RGW of
// this test's own (the shared one stays up) is stopped while copyImage uploads packs. The copy
// fails within its bounded retries, naming the request and why; nothing is listed in the
// target; once the gateway is back the same copy succeeds and moves only what was missing.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Rgw } from "../../test/helpers/rgw.ts";
import { startGateway, startRgw, stopGateway, stopRgw } from "../../test/helpers/rgw.ts";
import { S3Backend } from "./backends/s3.ts";
import type { S3Target } from "./backends/s3.ts";
import { makeS3Client } from "./backends/s3-client.ts";
import { StoreIoError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";
import { MemoryReader } from "./test-support/memory-image.ts";
import { tempDir } from "./test-support/fixtures.ts";
import { testRgw } from "./test-support/s3.ts";

const { skipReason } = testRgw();

describe.skipIf(Boolean(skipReason))(`a cloud copy when S3 goes away${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  const t = tempDir();
  let rgw: Rgw | null = null;
  beforeAll(async () => {
    rgw = await startRgw({ memstoreBytes: 1 << 30 });
  });
  afterAll(async () => {
    if (rgw) await stopRgw(rgw.dir);
    t.cleanup();
  });

  it("fails with the reason within its retries, lists nothing, and after the restart moves only the missing chunks", async () => {
    if (!rgw) throw new Error("no RGW");
    const target: S3Target = { endpoint: rgw.endpoint, region: rgw.region, bucket: "copies", credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } };
    const admin = makeS3Client(target, {});
    await admin.send(new CreateBucketCommand({ Bucket: target.bucket }));
    admin.destroy();
    const source = await ProtectionStore.create(join(t.dir, "local"));
    const cloud = await ProtectionStore.createOn(new S3Backend(target)); // default retries and timeouts
    const watcher = new S3Backend(target, { maxAttempts: 1 });
    try {
      const image = await source.backupImage(new MemoryReader(randomBytes(160 << 20))); // ≈ 20 packs: the stop lands mid-copy
      const full = (await source.stats()).storedBytes;

      // stop the gateway once a few packs are in (their indexes written), while others upload
      const copying = source.copyImage(image.imageId, cloud).then(
        () => null,
        (e: unknown) => e,
      );
      while ((await watcher.listKeys("index/").catch(() => [])).length < 3) await new Promise((r) => setTimeout(r, 10));
      await stopGateway(rgw);
      const stoppedAt = Date.now();
      const err = await copying;
      const failedAfterMs = Date.now() - stoppedAt;
      expect(err).toBeInstanceOf(StoreIoError);
      expect(err instanceof Error && err.message).toMatch(/S3 \w+ .*(ECONNREFUSED|ECONNRESET|socket hang up)/);
      expect(failedAfterMs).toBeLessThan(30_000); // bounded retries, not a hang

      await startGateway(rgw);
      expect(await cloud.listImages()).toEqual([]); // nothing half-written is listed
      // the packs the first attempt sealed and indexed stay (garbage for GC unless a copy uses them)
      const kept = (await cloud.stats()).storedBytes;
      expect(kept).toBeGreaterThan(0);
      const again = await source.copyImage(image.imageId, cloud);
      expect(again.bytesMoved).toBe(full - kept); // only what is missing
      expect((await cloud.listImages()).map((i) => i.imageId)).toEqual([image.imageId]);
      expect(await cloud.verifyImage(image.imageId)).toMatchObject({ ok: true });
    } finally {
      await source.close();
      await cloud.close();
    }
  });
});
