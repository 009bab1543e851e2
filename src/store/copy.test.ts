import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { ChunkCorruptError, ConcurrentGcError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";
import { flipBitInChunk, makeImage, makeNext, sha, tempDir } from "./test-support/fixtures.ts";

describe("copy between stores", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("copies only missing chunks and the copy restores byte-exact (plain and encrypted targets)", async () => {
    const day0 = join(t.dir, "d0.img");
    const day1 = join(t.dir, "d1.img");
    makeImage(day0, 6 << 20, "copy");
    makeNext(day0, day1, 0.05, 64);
    const src = await ProtectionStore.create(join(t.dir, "src"));
    // another compression level: frames copied unchanged keep the source's
    const plain = await ProtectionStore.create(join(t.dir, "plain"), { zstdLevel: 6 });
    const enc = await ProtectionStore.create(join(t.dir, "enc"), { passphrase: "pw", scryptN: 2 ** 12 });
    try {
      const b0 = await src.backup(day0);
      const b1 = await src.backup(day1, { parent: b0.backupId });
      const progress: Array<[number, number]> = [];
      const r0 = await src.copyBackup(b0.backupId, plain, { onProgress: (done, total) => progress.push([done, total]) });
      expect(r0.chunksCopied).toBe(b0.stats.uniqueChunks);
      // progress counts the stored bytes read, up to all of them
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.every(([d, t], i) => t === b0.stats.storedBytes && d >= (progress[i - 1]?.[0] ?? 0))).toBe(true);
      expect(progress.at(-1)).toEqual([b0.stats.storedBytes, b0.stats.storedBytes]);
      // plaintext to plaintext: verified frames go over unchanged, not compressed again
      expect(r0.bytesCopied).toBe(b0.stats.storedBytes);
      expect((await plain.stats()).storedBytes).toBe((await src.stats()).storedBytes - b1.stats.newStoredBytes);
      const r1 = await src.copyBackup(b1.backupId, plain);
      expect(r1.chunksCopied).toBe(b1.stats.newChunks);
      expect(r1.chunksSkipped).toBe(b1.stats.uniqueChunks - b1.stats.newChunks);
      const again = await src.copyBackup(b1.backupId, plain);
      expect(again.chunksCopied).toBe(0);
      for (const [b, img] of [[b0, day0], [b1, day1]] as const) {
        const out = join(t.dir, `plain-${b.backupId}`);
        await plain.restore(b.backupId, out);
        expect(sha(out)).toBe(sha(img));
      }
      await src.copyBackup(b0.backupId, enc);
      const e1 = await src.copyBackup(b1.backupId, enc);
      expect(e1.chunksCopied).toBe(b1.stats.newChunks);
      const out = join(t.dir, "enc-out");
      await enc.restore(b1.backupId, out);
      expect(sha(out)).toBe(sha(day1));
      expect((await enc.verify({ full: true })).ok).toBe(true);
    } finally {
      await Promise.all([src.close(), plain.close(), enc.close()]);
    }
  });

  it("a damaged source chunk fails the copy, whatever the target, and the target records nothing", async () => {
    const img = join(t.dir, "dmg.img");
    makeImage(img, 3 << 20, "copy-damage");
    const srcDir = join(t.dir, "dmg-src");
    const src = await ProtectionStore.create(srcDir);
    const plain = await ProtectionStore.create(join(t.dir, "dmg-plain"));
    const enc = await ProtectionStore.create(join(t.dir, "dmg-enc"), { passphrase: "pw", scryptN: 2 ** 12 });
    try {
      const b = await src.backup(img);
      const victim = (await src.manifest(b.backupId)).ids.find((id) => id !== "") as string;
      await flipBitInChunk(srcDir, victim);
      // plain target: the frame would be written unchanged, so only the verification stops it
      for (const target of [plain, enc]) {
        await expect(src.copyBackup(b.backupId, target)).rejects.toBeInstanceOf(ChunkCorruptError);
        expect(await target.listBackups()).toEqual([]);
      }
    } finally {
      await Promise.all([src.close(), plain.close(), enc.close()]);
    }
  });

  it("a target chunk the copy reuses and a concurrent GC removes fails the commit (ConcurrentGcError): nothing is recorded", async () => {
    const day0 = join(t.dir, "race0.img");
    const day1 = join(t.dir, "race1.img");
    makeImage(day0, 4 << 20, "copy-race");
    makeNext(day0, day1, 0.1, 64);
    const targetDir = join(t.dir, "race-target");
    let gcDuringCopy: (() => Promise<unknown>) | null = null;
    // the source's first chunk read comes after the copy has read the target's index
    class GcOnFirstRead extends LocalDirBackend {
      override async readAt(key: string, offset: number, target: Uint8Array): Promise<number> {
        const gc = gcDuringCopy;
        gcDuringCopy = null;
        await gc?.();
        return super.readAt(key, offset, target);
      }
    }
    const src = await ProtectionStore.createOn(new GcOnFirstRead(join(t.dir, "race-src")));
    const target = await ProtectionStore.create(targetDir);
    const gcSide = await ProtectionStore.open(targetDir);
    try {
      const b0 = await src.backup(day0);
      const b1 = await src.backup(day1, { parent: b0.backupId });
      await src.copyBackup(b0.backupId, target);
      await target.deleteBackup(b0.backupId); // b0's chunks in the target are garbage now, b1 reuses most
      gcDuringCopy = () => gcSide.gc({ graceMs: 0 });
      await expect(src.copyBackup(b1.backupId, target)).rejects.toBeInstanceOf(ConcurrentGcError);
      expect(gcDuringCopy).toBeNull(); // the GC did run in the middle
      expect(await target.listBackups()).toEqual([]);
      // retried, the copy moves what is missing now and restores byte-exact
      await src.copyBackup(b1.backupId, target);
      const out = join(t.dir, "race.out");
      await target.restore(b1.backupId, out);
      expect(sha(out)).toBe(sha(day1));
    } finally {
      await Promise.all([src.close(), target.close(), gcSide.close()]);
    }
  });
});
