import { randomBytes } from "node:crypto";
import { closeSync, openSync, readdirSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StoreIndexDamagedError } from "./errors.ts";
import { indexKey } from "./pack-index.ts";
import { loadChunkIndex } from "./index-load.ts";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { ProtectionStore } from "./protection-store.ts";
import { sha, tempDir } from "./test-support/fixtures.ts";

function flipByte(path: string, pos: number): void {
  const fd = openSync(path, "r+");
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, pos);
    writeSync(fd, Buffer.from([(b[0] as number) ^ 0x01]), 0, 1, pos);
  } finally {
    closeSync(fd);
  }
}

/** The pack a backup's first chunk lives in. */
async function packOf(store: ProtectionStore, dir: string, backupId: string): Promise<string> {
  const id = (await store.manifest(backupId)).ids.find(Boolean) as string;
  const loc = (await loadChunkIndex(new LocalDirBackend(dir), null)).chunks.get(id);
  if (!loc) throw new Error("not indexed");
  return loc.pack;
}

describe("one damaged index blob", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("fails only the restores that need its entries, with a typed error that says how to repair; repairIndex rebuilds it from the pack trailer", async () => {
    const dir = join(t.dir, "store");
    const a = join(t.dir, "a.img");
    const b = join(t.dir, "b.img");
    writeFileSync(a, randomBytes(2 << 20));
    writeFileSync(b, randomBytes(2 << 20));
    const s = await ProtectionStore.create(dir);
    try {
      const ba = await s.backup(a);
      const bb = await s.backup(b);
      const packB = await packOf(s, dir, bb.backupId);
      expect(await packOf(s, dir, ba.backupId)).not.toBe(packB);
      flipByte(join(dir, indexKey(packB)), 60);

      // a fresh process's view: nothing cached
      const s2 = await ProtectionStore.open(dir);
      try {
        await s2.restore(ba.backupId, join(t.dir, "a.out"));
        expect(sha(join(t.dir, "a.out"))).toBe(sha(a));
        const err = await s2.restore(bb.backupId, join(t.dir, "b.out")).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreIndexDamagedError);
        expect(String(err)).toContain("obr store repair-index");
        const v = await s2.verify();
        expect(v.ok).toBe(false);
        expect(v.unreadableIndexes.map((u) => [u.key, u.backups])).toEqual([[indexKey(packB), [bb.backupId]]]);
        // GC must not take the damaged pack for one without an index
        expect((await s2.gc({ graceMs: 0 })).aborted).toMatch(/repair-index/);

        const report = await s2.repairIndex();
        expect(report).toMatchObject({ packsScanned: 1, indexesWritten: 1, removedIndexes: [indexKey(packB)], unrecoverable: [] });
        await s2.restore(bb.backupId, join(t.dir, "b.out"));
        expect(sha(join(t.dir, "b.out"))).toBe(sha(b));
        expect((await s2.verify({ full: true })).ok).toBe(true);
      } finally {
        await s2.close();
      }
    } finally {
      await s.close();
    }
  });

  it("a damaged merged index and a deleted one are rebuilt too, in an encrypted store", async () => {
    const dir = join(t.dir, "merged");
    const s = await ProtectionStore.create(dir, { passphrase: "pw", scryptN: 2 ** 12 });
    try {
      const imgs = [0, 1, 2].map((i) => join(t.dir, `m${i}.img`));
      for (const p of imgs) writeFileSync(p, randomBytes(1 << 20));
      const ids = [];
      for (const p of imgs) ids.push((await s.backup(p)).backupId);
      await s.deleteBackup(ids[2] as string);
      expect((await s.gc({ graceMs: 0 })).mergedIndexes).toBeGreaterThan(0); // removed a pack: merged
      const merged = readdirSync(join(dir, "index")).filter((f) => f.startsWith("m-"));
      expect(merged).toHaveLength(1);
      flipByte(join(dir, "index", merged[0] as string), 80);
      const s2 = await ProtectionStore.open(dir, { passphrase: "pw" });
      try {
        await expect(s2.restore(ids[0] as string, join(t.dir, "m.out"))).rejects.toBeInstanceOf(StoreIndexDamagedError);
        const lines: Array<[number, number]> = [];
        const report = await s2.repairIndex({ onProgress: (d, n) => lines.push([d, n]) });
        expect(report).toMatchObject({ packsScanned: 2, indexesWritten: 2, unrecoverable: [] });
        expect(lines.at(-1)).toEqual([2, 2]);
        // now delete one rebuilt blob outright: the restore names the repair too, and it works again
        rmSync(join(dir, "index", readdirSync(join(dir, "index"))[0] as string));
        const s3 = await ProtectionStore.open(dir, { passphrase: "pw" });
        try {
          const results = await Promise.allSettled(ids.slice(0, 2).map((id, i) => s3.restore(id, join(t.dir, `m${i}.out`))));
          expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(StoreIndexDamagedError)]);
          expect((await s3.repairIndex()).indexesWritten).toBe(1);
          for (const [i, id] of ids.slice(0, 2).entries()) {
            await s3.restore(id, join(t.dir, `m${i}.out`));
            expect(sha(join(t.dir, `m${i}.out`))).toBe(sha(imgs[i] as string));
          }
          expect((await s3.verify({ full: true })).ok).toBe(true);
        } finally {
          await s3.close();
        }
      } finally {
        await s2.close();
      }
    } finally {
      await s.close();
    }
  });
});
