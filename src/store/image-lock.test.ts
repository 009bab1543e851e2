// lockImage: on an S3 store in an Object Lock bucket, COMPLIANCE retention on the image's
// manifest and exactly the packs holding its chunks, extended and never shortened; in a
// directory or a bucket without Object Lock, nothing is retained and the result says why.
import { randomBytes } from "node:crypto";
import { GetObjectRetentionCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, test } from "vitest";
import { S3Backend } from "./backends/s3.ts";
import { makeS3Client } from "./backends/s3-client.ts";
import { ProtectionStore } from "./protection-store.ts";
import { tempDir } from "./test-support/fixtures.ts";
import { MemoryReader } from "./test-support/memory-image.ts";
import { newBucket, testRgw } from "./test-support/s3.ts";

const t = tempDir();
afterAll(() => t.cleanup());
const { skipReason } = testRgw();
const image = (mib: number) => new MemoryReader(randomBytes(mib << 20));

test("a store in a directory cannot enforce a lock: nothing happens and the result says so", async () => {
  const store = await ProtectionStore.create(`${t.dir}/dir`);
  try {
    const { imageId } = await store.backupImage(image(1));
    expect(await store.lockImage(imageId, new Date(Date.now() + 60_000))).toEqual({ enforced: false, extended: 0, kept: 0, note: expect.stringMatching(/directory/) });
  } finally {
    await store.close();
  }
});

describe.skipIf(Boolean(skipReason))(`lockImage on S3${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  test("in a bucket without Object Lock nothing is retained and the result says so", async () => {
    const store = await ProtectionStore.createOn(new S3Backend(await newBucket()));
    try {
      const { imageId } = await store.backupImage(image(1));
      expect(await store.lockImage(imageId, new Date(Date.now() + 60_000))).toMatchObject({ enforced: false, note: expect.stringMatching(/no Object Lock/) });
    } finally {
      await store.close();
    }
  });

  test("in an Object Lock bucket: the manifest and the packs of its chunks are retained (COMPLIANCE), other packs are not, and retention only grows", async () => {
    const target = await newBucket({ kind: "object-lock" });
    const backend = new S3Backend(target);
    const store = await ProtectionStore.createOn(backend);
    const client = makeS3Client(target, { maxAttempts: 1 });
    try {
      const first = await store.backupImage(image(20)); // several 8 MiB packs
      const packsOfFirst = new Set(await backend.listKeys("packs/"));
      const second = await store.backupImage(image(2));
      const until = new Date(Date.now() + 3_600_000);
      const lock = await store.lockImage(first.imageId, until);
      expect(lock).toEqual({ enforced: true, extended: packsOfFirst.size + 1, kept: 0, note: "" });
      const retention = async (key: string) => (await client.send(new GetObjectRetentionCommand({ Bucket: target.bucket, Key: key }))).Retention;
      expect(await retention(`backups/${first.imageId}`)).toMatchObject({ Mode: "COMPLIANCE" });
      for (const key of packsOfFirst) expect((await retention(key))?.RetainUntilDate?.getTime()).toBe(until.getTime());
      const onlySecond = (await backend.listKeys("packs/")).filter((k) => !packsOfFirst.has(k));
      expect(onlySecond.length).toBeGreaterThan(0);
      for (const key of onlySecond) await expect(retention(key)).rejects.toBeTruthy();
      // an earlier date keeps the later retention; a later one extends it
      expect(await store.lockImage(first.imageId, new Date(Date.now() + 60_000))).toMatchObject({ enforced: true, extended: 0, kept: packsOfFirst.size + 1 });
      expect(await store.lockImage(second.imageId, until)).toMatchObject({ enforced: true, extended: onlySecond.length + 1 });
    } finally {
      client.destroy();
      await store.close();
    }
  });
});
