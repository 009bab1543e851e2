import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { INDEX_PREFIX, MERGED_PREFIX } from "./pack-index.ts";
import { ProtectionStore } from "./protection-store.ts";
import { sha, tempDir } from "./test-support/fixtures.ts";

/** Four backups of distinct random images (a few packs), the first then deleted. */
async function storeWithGarbage(dir: string, imgDir: string, opts: { passphrase?: string; scryptN?: number } = {}) {
  const s = await ProtectionStore.create(dir, opts);
  const images = Array.from({ length: 4 }, (_, i) => {
    const p = join(imgDir, `${i}.img`);
    writeFileSync(p, randomBytes(5 << 20));
    return p;
  });
  const ids: string[] = [];
  for (const img of images) ids.push((await s.backup(img)).backupId);
  await s.deleteBackup(ids[0] as string);
  return { s, images: images.slice(1), ids: ids.slice(1) };
}

const indexBlobs = (dir: string) => readdirSync(join(dir, INDEX_PREFIX));

describe("merged pack indexes", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  for (const [label, opts] of [
    ["plaintext", {}],
    ["encrypted", { passphrase: "pw", scryptN: 2 ** 12 }],
  ] as Array<[string, { passphrase?: string; scryptN?: number }]>) {
    it(`GC replaces the index blobs it read by a merged one; every backup still restores and verifies (${label})`, async () => {
      const dir = join(t.dir, `s-${label}`);
      const imgDir = join(t.dir, `img-${label}`);
      mkdirSync(imgDir);
      const { s, images, ids } = await storeWithGarbage(dir, imgDir, opts);
      try {
        const blobsBefore = indexBlobs(dir).length;
        expect(blobsBefore).toBeGreaterThan(3);
        const statsBefore = await s.stats();
        const gc = await s.gc({ graceMs: 0 });
        expect(gc.aborted).toBeNull();
        expect(gc.deletedPacks).toBeGreaterThan(0);
        expect(gc.mergedIndexes).toBe(blobsBefore);
        const after = indexBlobs(dir);
        expect(after).toHaveLength(1);
        expect(`${INDEX_PREFIX}${after[0]}`.startsWith(MERGED_PREFIX)).toBe(true);
        // the store lost exactly the deleted backup's chunks, seen through a fresh open too
        const reopened = await ProtectionStore.open(dir, opts.passphrase ? { passphrase: opts.passphrase } : {});
        try {
          const fresh = await reopened.stats();
          expect(fresh.chunkCount).toBeLessThan(statsBefore.chunkCount);
          expect(await s.stats()).toEqual(fresh);
          for (const [i, id] of ids.entries()) {
            const out = join(t.dir, `${label}-${i}.out`);
            await reopened.restore(id, out);
            expect(sha(out)).toBe(sha(images[i] as string));
          }
          expect((await reopened.verify({ full: true })).ok).toBe(true);
          // a backup after the merge adds its own blob beside the merged one
          const extra = join(imgDir, "extra.img");
          writeFileSync(extra, randomBytes(3 << 20));
          const b = await reopened.backup(extra);
          expect(indexBlobs(dir).length).toBeGreaterThan(1);
          const out = join(t.dir, `${label}-extra.out`);
          await s.restore(b.backupId, out);
          expect(sha(out)).toBe(sha(extra));
        } finally {
          await reopened.close();
        }
      } finally {
        await s.close();
      }
    });
  }

  it("a merge interrupted before removing the blobs it replaced leaves a consistent store, tidied by the next GC", async () => {
    const dir = join(t.dir, "s-interrupted");
    const imgDir = join(t.dir, "img-interrupted");
    mkdirSync(imgDir);
    const { s, images, ids } = await storeWithGarbage(dir, imgDir);
    try {
      const saved = join(t.dir, "saved-index");
      mkdirSync(saved);
      for (const n of indexBlobs(dir)) copyFileSync(join(dir, INDEX_PREFIX, n), join(saved, n));
      expect((await s.gc({ graceMs: 0 })).mergedIndexes).toBeGreaterThan(0);
      const merged = await s.stats();
      // as if the GC died after the merged blob was durable: the replaced blobs of the packs it
      // kept are back (those of the packs it deleted went before the merge)
      const kept = readdirSync(saved).filter((n) => existsSync(join(dir, "packs", n.slice(0, 2), n)));
      expect(kept.length).toBeGreaterThan(1);
      for (const n of kept) copyFileSync(join(saved, n), join(dir, INDEX_PREFIX, n));
      const reopened = await ProtectionStore.open(dir);
      try {
        expect(await reopened.stats()).toEqual(merged);
        expect((await reopened.verify({ full: true })).ok).toBe(true);
        const out = join(t.dir, "interrupted.out");
        await reopened.restore(ids[0] as string, out);
        expect(sha(out)).toBe(sha(images[0] as string));
        // the doubled entries make the next GC merge again, into one blob
        const gc = await reopened.gc({ graceMs: 0 });
        expect(gc).toMatchObject({ aborted: null, deletedChunks: 0 });
        expect(gc.mergedIndexes).toBeGreaterThan(1);
        expect(indexBlobs(dir)).toHaveLength(1);
        expect(await reopened.stats()).toEqual(merged);
      } finally {
        await reopened.close();
      }
    } finally {
      await s.close();
    }
  });

  it("a load whose listed index blobs vanish (a merge running meanwhile) lists again", async () => {
    const dir = join(t.dir, "s-vanish");
    const imgDir = join(t.dir, "img-vanish");
    mkdirSync(imgDir);
    const { s, images, ids } = await storeWithGarbage(dir, imgDir);
    const stale = await new LocalDirBackend(dir).listKeys(INDEX_PREFIX);
    expect((await s.gc({ graceMs: 0 })).mergedIndexes).toBeGreaterThan(0);
    await s.close();
    // a reader that listed the indexes just before the merge removed them
    let listings = 0;
    const backend = new LocalDirBackend(dir);
    const listKeys = backend.listKeys.bind(backend);
    backend.listKeys = async (prefix) => (prefix === INDEX_PREFIX && ++listings === 1 ? stale : listKeys(prefix));
    const reader = await ProtectionStore.openOn(backend);
    try {
      const out = join(t.dir, "vanish.out");
      await reader.restore(ids[1] as string, out);
      expect(sha(out)).toBe(sha(images[1] as string));
      expect(listings).toBe(2);
    } finally {
      await reader.close();
    }
  });
});
