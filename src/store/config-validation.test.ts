import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkRegion } from "./chunker.ts";
import { StoreArgumentError, StoreConfigError, StoreError, WrongKeyError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";
import { makeImage, sha, tempDir } from "./test-support/fixtures.ts";

/** Rewrites config.json through a JSON edit (the damage a hand edit or a lost key does). */
function editConfig(dir: string, edit: (cfg: Record<string, unknown>) => void): void {
  const path = join(dir, "config.json");
  const cfg: Record<string, unknown> = JSON.parse(readFileSync(path, "utf8"));
  edit(cfg);
  writeFileSync(path, JSON.stringify(cfg, null, 2));
}

describe("config.json validated on open", () => {
  const t = tempDir();
  const img = join(t.dir, "disk.img");
  const plainDir = join(t.dir, "plain");
  let plainBackup = "";
  beforeAll(async () => {
    makeImage(img, 3 << 20, "config");
    const s = await ProtectionStore.create(plainDir);
    plainBackup = (await s.backup(img)).backupId;
    await s.close();
  });
  afterAll(() => t.cleanup());

  it("every single-bit flip of a real config.json either opens a store that behaves the same or is a typed StoreError", async () => {
    const path = join(plainDir, "config.json");
    const good = readFileSync(path);
    const outcomes = new Map<string, number>();
    let opened = 0;
    try {
      for (let bit = 0; bit < good.length * 8; bit++) {
        const bad = Buffer.from(good);
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
        writeFileSync(path, bad);
        let s: ProtectionStore;
        try {
          s = await ProtectionStore.open(plainDir);
        } catch (err) {
          // never SyntaxError, TypeError or RangeError: a StoreError (and for config damage, the config's)
          expect(err, `bit ${bit}`).toBeInstanceOf(StoreError);
          const name = err instanceof Error ? err.name : "?";
          outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
          continue;
        }
        // opened: it must behave as before (same chunking, same names, same bytes back)
        opened++;
        try {
          const again = await s.backup(img);
          expect(again.stats.newChunks, `bit ${bit}`).toBe(0);
          const out = join(t.dir, "flip.out");
          await s.restore(plainBackup, out);
          expect(sha(out)).toBe(sha(img));
          await s.deleteBackup(again.backupId);
        } finally {
          await s.close();
        }
      }
    } finally {
      writeFileSync(path, good);
    }
    expect(good.length * 8).toBeGreaterThan(1000);
    expect(opened + [...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(good.length * 8);
    expect(outcomes.get("StoreConfigError")).toBeGreaterThan(0);
  });

  it("a missing, mistyped or out-of-range field is a StoreConfigError naming it", async () => {
    const dir = join(t.dir, "fields");
    await (await ProtectionStore.create(dir)).close();
    const good = readFileSync(join(dir, "config.json"));
    const cases: Array<[string, (c: Record<string, unknown>) => void]> = [
      ["chunking.maxSize", (c) => Object.assign(c, { chunking: { kind: "cdc", minSize: 65536, avgBits: 18 } })],
      ["chunking.maxSize", (c) => Object.assign(c, { chunking: { kind: "cdc", minSize: 65536, avgBits: 18, maxSize: 0 } })],
      ["chunking.avgBits", (c) => Object.assign(c, { chunking: { kind: "cdc", minSize: 65536, avgBits: 15, maxSize: 1 << 20 } })],
      ["chunking.size", (c) => Object.assign(c, { chunking: { kind: "fixed", size: 0 } })],
      ["zstdLevel", (c) => Object.assign(c, { zstdLevel: "1" })],
      ["idHash", (c) => Object.assign(c, { idHash: "md5" })],
      ["maxSizf", (c) => Object.assign(c, { maxSizf: 1 })],
      ["createdAt", (c) => delete c.createdAt],
    ];
    for (const [field, edit] of cases) {
      writeFileSync(join(dir, "config.json"), good);
      editConfig(dir, (c) => {
        edit(c);
        delete c.checksum; // as an older store's config: the schema alone must catch it
      });
      const err = await ProtectionStore.open(dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, field).toBeInstanceOf(StoreConfigError);
      expect(err instanceof StoreConfigError && err.field).toBe(field);
    }
  });

  it("an encrypted store is never opened as a plain one, whatever happened to its encryption key", async () => {
    const dir = join(t.dir, "enc");
    const s = await ProtectionStore.create(dir, { passphrase: "pw", scryptN: 2 ** 12 });
    await s.backup(img);
    await s.close();
    const good = readFileSync(join(dir, "config.json"));
    const damage: Array<(c: Record<string, unknown>) => void> = [
      (c) => {
        c.encryptioo = c.encryption; // a flipped bit renamed the key
        delete c.encryption;
      },
      (c) => {
        c.encryption = null; // an edit: the schema allows it, the data does not
        delete c.checksum;
      },
      (c) => {
        c.encryptioo = c.encryption;
        delete c.encryption;
        delete c.checksum;
      },
    ];
    for (const edit of damage) {
      writeFileSync(join(dir, "config.json"), good);
      editConfig(dir, edit);
      await expect(ProtectionStore.open(dir)).rejects.toBeInstanceOf(StoreConfigError);
      await expect(ProtectionStore.open(dir, { passphrase: "pw" })).rejects.toBeInstanceOf(StoreConfigError);
    }
    writeFileSync(join(dir, "config.json"), good);
    await expect(ProtectionStore.open(dir)).rejects.toBeInstanceOf(WrongKeyError);
    await (await ProtectionStore.open(dir, { passphrase: "pw" })).close();
  });

  it("chunking parameters are bounded wherever they come from", async () => {
    const bad = [
      { kind: "cdc" as const, minSize: 65536, avgBits: 18, maxSize: 0 },
      { kind: "cdc" as const, minSize: 1 << 20, avgBits: 18, maxSize: 2 << 20 },
      { kind: "fixed" as const, size: 0 },
      { kind: "fixed" as const, size: 1 << 30 },
    ];
    for (const [i, chunking] of bad.entries()) {
      await expect(ProtectionStore.create(join(t.dir, `bad-${i}`), { chunking })).rejects.toBeInstanceOf(StoreArgumentError);
      // a worker task carrying them refuses too, rather than cut zero-length chunks
      expect(() => chunkRegion(new Uint8Array(1 << 20), 0, 0, true, chunking)).toThrow(/bad chunking parameter/);
    }
    const missing = { kind: "cdc", minSize: 65536, avgBits: 18 } as unknown as Parameters<typeof chunkRegion>[4];
    expect(() => chunkRegion(new Uint8Array(1 << 20), 0, 0, true, missing)).toThrow(/maxSize/);
  });
});
