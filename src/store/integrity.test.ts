import { openSync, readFileSync, closeSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChunkCorruptError, ChunkMissingError } from "./errors.ts";
import { extentOffsets } from "./manifest.ts";
import { ProtectionStore } from "./protection-store.ts";
import { flipBitInChunk, makeImage, tempDir } from "./test-support/fixtures.ts";

describe("integrity", () => {
  const t = tempDir();
  const dir = join(t.dir, "store");
  const src = join(t.dir, "disk.img");
  let store: ProtectionStore;
  let ids: string[] = [];
  beforeAll(async () => {
    makeImage(src, 6 << 20, "integrity");
    store = await ProtectionStore.create(dir);
    ids = [(await store.backup(src, { label: "a" })).backupId, (await store.backup(src, { label: "b" })).backupId];
  });
  afterAll(async () => {
    await store.close();
    t.cleanup();
  });

  it("a flipped bit is found by full verify (not quick), named with its backups, and restores touching it fail", async () => {
    const m = await store.manifest(ids[0] as string);
    const i = m.ids.findIndex((id) => id !== "");
    const victim = m.ids[i] as string;
    const { path, pack } = await flipBitInChunk(dir, victim);

    expect((await store.verify()).ok).toBe(true);
    const full = await store.verify({ full: true });
    expect(full.ok).toBe(false);
    expect(full.damaged).toHaveLength(1);
    expect(full.damaged[0]).toMatchObject({ chunkId: victim, problem: "corrupt" });
    expect(full.damaged[0]?.backups.sort()).toEqual([...ids].sort());

    await expect(store.restore(ids[0] as string, join(t.dir, "out.img"))).rejects.toBeInstanceOf(ChunkCorruptError);
    const offs = extentOffsets(m);
    await expect(store.readRange(ids[1] as string, offs[i] as number, 10)).rejects.toBeInstanceOf(ChunkCorruptError);
    // bytes elsewhere are still readable
    const j = m.ids.findIndex((id, k) => k > i && id !== "" && id !== victim);
    const whole = readFileSync(src);
    const got = await store.readRange(ids[1] as string, offs[j] as number, 1000);
    expect(got.equals(whole.subarray(offs[j] as number, (offs[j] as number) + 1000))).toBe(true);

    // GC refuses to run on doubt? No: corruption is verify's business; a missing chunk is doubt.
    rmSync(path); // the pack holding it (and its neighbours) is gone
    const quick = await store.verify();
    expect(quick.damaged.find((d) => d.chunkId === victim)).toEqual({ chunkId: victim, problem: "missing", reason: `pack ${pack} missing`, backups: [...ids].sort() });
    expect(quick.damaged.every((d) => d.problem === "missing")).toBe(true);
    await expect(store.readRange(ids[0] as string, offs[i] as number, 10)).rejects.toBeInstanceOf(ChunkMissingError);
    const gc = await store.gc({ graceMs: 0 });
    expect(gc.aborted).toMatch(/missing/);
    expect(gc.deletedChunks).toBe(0);
  });

  it("an unreadable manifest is reported by verify and makes GC delete nothing", async () => {
    const dir2 = join(t.dir, "store2");
    const s2 = await ProtectionStore.create(dir2);
    try {
      const a = await s2.backup(src);
      const other = join(t.dir, "other.img");
      makeImage(other, 2 << 20, "other");
      const b = await s2.backup(other);
      await s2.deleteBackup(b.backupId); // leaves garbage a GC would normally sweep
      const path = join(dir2, "backups", a.backupId);
      const fd = openSync(path, "r+");
      writeSync(fd, Buffer.from([0xff, 0xff, 0xff]), 0, 3, 60);
      closeSync(fd);
      const v = await s2.verify();
      expect(v.ok).toBe(false);
      expect(v.unreadableBackups.map((u) => u.backupId)).toEqual([a.backupId]);
      const before = (await s2.stats().catch(() => null))?.chunkCount;
      const gc = await s2.gc({ graceMs: 0 });
      expect(gc.aborted).toMatch(/live set/);
      expect(gc.deletedChunks).toBe(0);
      expect(before).toBeUndefined(); // stats refuses too: it cannot read the manifest
    } finally {
      await s2.close();
    }
  });
});

