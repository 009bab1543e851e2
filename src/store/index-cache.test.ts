import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { INDEX_PREFIX } from "./pack-index.ts";
import { ProtectionStore } from "./protection-store.ts";
import { makeImage, tempDir } from "./test-support/fixtures.ts";

/** The real local backend, counting the index blobs it is asked for. */
class CountingBackend extends LocalDirBackend {
  indexReads = 0;
  override get(key: string): Promise<Buffer> {
    if (key.startsWith(INDEX_PREFIX)) this.indexReads++;
    return super.get(key);
  }
}

describe("index cache of an open store", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("reads each index blob once across operations, and follows backups and GC made elsewhere", async () => {
    const dir = join(t.dir, "s");
    const backend = new CountingBackend(dir);
    const store = await ProtectionStore.createOn(backend);
    const other = await ProtectionStore.open(dir); // another process's view of the same store
    try {
      const a = join(t.dir, "a.img");
      const b = join(t.dir, "b.img");
      makeImage(a, 24 << 20, "cache-a");
      writeFileSync(b, randomBytes(12 << 20));
      const ba = await store.backup(a);

      // byte-range reads (file restores) read each index once, not once per call
      const before = backend.indexReads;
      for (let i = 0; i < 5; i++) expect((await store.readRange(ba.backupId, i * 3_000_000, 4096)).equals(readFileSync(a).subarray(i * 3_000_000, i * 3_000_000 + 4096))).toBe(true);
      const indexes = (await backend.listKeys(INDEX_PREFIX)).length;
      expect(indexes).toBeGreaterThan(1);
      expect(backend.indexReads - before).toBe(indexes);

      // a backup made by another store object: only its new indexes are read
      const bb = await other.backup(b);
      const mid = backend.indexReads;
      expect((await store.readRange(bb.backupId, 5_000_000, 1 << 20)).equals(readFileSync(b).subarray(5_000_000, 5_000_000 + (1 << 20)))).toBe(true);
      const newIndexes = backend.indexReads - mid;
      expect(newIndexes).toBeGreaterThan(0);
      expect(newIndexes).toBeLessThan((await backend.listKeys(INDEX_PREFIX)).length);

      // GC elsewhere removes b's packs: the cache drops them and what remains still reads right
      await other.deleteBackup(bb.backupId);
      expect((await other.gc({ graceMs: 0 })).deletedChunks).toBeGreaterThan(0);
      expect(await store.stats()).toEqual(await other.stats());

      const out = join(t.dir, "a.out");
      await store.restore(ba.backupId, out);
      expect(readFileSync(out).equals(readFileSync(a))).toBe(true);

      // an index removed while its pack stays (a GC killed between the two): the pack no longer
      // counts, for the cached view as for a fresh one
      const full = await store.stats();
      const [victim] = await backend.listKeys(INDEX_PREFIX);
      await new LocalDirBackend(dir).delete(victim as string);
      const fresh = await other.stats();
      expect(fresh.storedBytes).toBeLessThan(full.storedBytes);
      expect(await store.stats()).toEqual(fresh);
    } finally {
      await other.close();
      await store.close();
    }
  });
});
