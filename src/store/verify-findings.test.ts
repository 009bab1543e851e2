import { randomBytes } from "node:crypto";
import { rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { listPacks, packKey } from "./pack-index.ts";
import { ProtectionStore } from "./protection-store.ts";
import { makeImage, makeNext, tempDir } from "./test-support/fixtures.ts";

describe("verify's findings", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("quick verify finds every truncated pack (cut into its chunks or only its trailer) and names the backups", async () => {
    const dir = join(t.dir, "trunc");
    const s = await ProtectionStore.create(dir);
    try {
      const imgs = [0, 1, 2].map((i) => join(t.dir, `t${i}.img`));
      for (const p of imgs) writeFileSync(p, randomBytes(1 << 20)); // one pack each
      for (const p of imgs) await s.backup(p);
      expect((await s.verify()).ok).toBe(true);
      const packs = [...(await listPacks(new LocalDirBackend(dir))).keys()].sort();
      expect(packs).toHaveLength(3);
      const [cutDeep, cutTrailer] = packs as [string, string, string];
      const deepPath = join(dir, packKey(cutDeep));
      truncateSync(deepPath, statSync(deepPath).size - 300_000); // into its chunks
      const trailerPath = join(dir, packKey(cutTrailer));
      truncateSync(trailerPath, statSync(trailerPath).size - 3); // only the trailer

      for (const full of [false, true]) {
        const v = await s.verify({ full });
        expect(v.ok).toBe(false);
        expect(v.damagedPacks.map((p) => [p.pack, p.problem]).sort()).toEqual(
          [
            [cutDeep, "truncated"],
            [cutTrailer, "trailer"],
          ].sort(),
        );
        for (const p of v.damagedPacks) expect(p.backups).toHaveLength(1);
        const truncated = v.damaged.filter((d) => d.problem === "truncated");
        expect(truncated.length).toBeGreaterThan(0);
        const deepBackup = v.damagedPacks.find((p) => p.pack === cutDeep)?.backups;
        for (const d of truncated) expect(d.backups).toEqual(deepBackup);
        expect(v.damaged.filter((d) => d.problem !== "truncated")).toEqual([]); // reported once, not again as corrupt
      }
    } finally {
      await s.close();
    }
  });

  it("a deleted manifest that remaining backups name as their parent is reported with those backups", async () => {
    const dir = join(t.dir, "parents");
    const base = join(t.dir, "p0.img");
    const next = join(t.dir, "p1.img");
    makeImage(base, 2 << 20, "parents");
    const ranges = makeNext(base, next, 0.05, 16);
    const s = await ProtectionStore.create(dir);
    try {
      const parent = await s.backup(base);
      const child = await s.backup(next, { parent: parent.backupId, changedRanges: ranges });
      const grandchild = await s.backup(next, { parent: parent.backupId });
      rmSync(join(dir, "backups", parent.backupId)); // lost, not deleted through the store
      for (const full of [false, true]) {
        const v = await s.verify({ full });
        expect(v.missingParents).toEqual([{ backupId: parent.backupId, backups: [child.backupId, grandchild.backupId].sort() }]);
        expect(v.damaged).toEqual([]); // the children restore on their own
      }
    } finally {
      await s.close();
    }
  });
});
