// GC on an Object Lock bucket (RGW): packs a locked copy holds are neither deleted nor repacked
// while their COMPLIANCE retention holds, GC says what waits and until when, and collects them
// once the retention has passed. The storage itself refuses to delete a retained version.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeleteObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { ProtectionStore } from "./protection-store.ts";
import { listPacks, packKey } from "./pack-index.ts";
import { S3Backend } from "./backends/s3.ts";
import { makeS3Client } from "./backends/s3-client.ts";
import { sha, tempDir } from "./test-support/fixtures.ts";
import { newBucket, testRgw } from "./test-support/s3.ts";

const { skipReason } = testRgw();

describe.skipIf(Boolean(skipReason))(`GC and Object Lock on S3${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("GC leaves locked packs (dead or to repack) in place, reports what waits, and reclaims them once the retention passes", async () => {
    const target = await newBucket({ kind: "object-lock" });
    const backend = new S3Backend(target);
    const s = await ProtectionStore.createOn(backend);
    const client = makeS3Client(target, { maxAttempts: 1 });
    try {
      const whole = randomBytes(6 << 20);
      const paths = { a: join(t.dir, "a.img"), half: join(t.dir, "half.img"), b: join(t.dir, "b.img") };
      writeFileSync(paths.a, whole);
      writeFileSync(paths.half, Buffer.concat([whole.subarray(0, 3 << 20), randomBytes(3 << 20)])); // shares a's first 3 MiB
      writeFileSync(paths.b, randomBytes(3 << 20));
      const packsOf = async (backup: () => Promise<unknown>) => {
        const before = new Set((await listPacks(backend)).keys());
        await backup();
        return [...(await listPacks(backend)).keys()].filter((p) => !before.has(p));
      };
      let ids: Record<string, string> = {};
      const backupOf = (name: keyof typeof paths) => async () => {
        ids = { ...ids, [name]: (await s.backup(paths[name])).backupId };
      };
      const aPacks = await packsOf(backupOf("a"));
      await backupOf("half")();
      const bPacks = await packsOf(backupOf("b"));
      const locked = [...aPacks, ...bPacks];
      const until = new Date(Date.now() + 4000);
      expect(await backend.setRetention(locked.map(packKey), until)).toMatchObject({ extended: locked.length });
      // a is half dead now (its first half lives on in `half`): a repack; b wholly dead
      await s.deleteBackup(ids.a as string);
      await s.deleteBackup(ids.b as string);

      const waiting = await s.gc({ graceMs: 0 });
      expect(waiting).toMatchObject({ aborted: null, reclaimedBytes: 0, deletedPacks: 0, repackedPacks: 0, waitingForLockPacks: locked.length });
      expect(waiting.waitingForLockBytes).toBeGreaterThan((6 << 20) * 0.9); // b's 3 MiB and a's dead half
      expect(Math.abs(Date.parse(waiting.nextLockExpiry ?? "") - until.getTime())).toBeLessThan(1000);
      for (const p of locked) expect(await backend.has(packKey(p))).toBe(true);
      expect((await s.verify({ full: true })).ok).toBe(true);

      // the bucket's own credentials cannot delete a retained version either (COMPLIANCE)
      const key = packKey(bPacks[0] as string);
      const { VersionId } = await client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
      await expect(client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key, VersionId, BypassGovernanceRetention: true }))).rejects.toMatchObject({ name: "AccessDenied" });

      await new Promise((r) => setTimeout(r, Math.max(0, until.getTime() - Date.now()) + 1000));
      const after = await s.gc({ graceMs: 0 });
      expect(after).toMatchObject({ aborted: null, waitingForLockPacks: 0, waitingForLockBytes: 0, nextLockExpiry: null, repackedPacks: aPacks.length, deletedPacks: bPacks.length });
      expect(after.reclaimedBytes).toBe(waiting.waitingForLockBytes);
      for (const p of locked) expect(await backend.has(packKey(p))).toBe(false);
      const out = join(t.dir, "half.out");
      await s.restore(ids.half as string, out);
      expect(sha(out)).toBe(sha(paths.half));
      expect((await s.verify({ full: true })).ok).toBe(true);
    } finally {
      client.destroy();
      await s.close();
    }
  });
});
