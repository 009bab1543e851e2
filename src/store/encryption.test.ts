import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WrongKeyError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";
import { makeImage, makeNext, sha, tempDir } from "./test-support/fixtures.ts";

function allFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => join(dir, f)).filter((f) => {
    try {
      readFileSync(f);
      return true;
    } catch {
      return false;
    }
  });
}

describe("encrypted stores", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("round trips with a passphrase; a wrong or missing passphrase is a clear error", async () => {
    const dir = join(t.dir, "enc");
    const src = join(t.dir, "disk.img");
    makeImage(src, 4 << 20, "enc");
    const s = await ProtectionStore.create(dir, { passphrase: "correct horse", scryptN: 2 ** 12 });
    const b = await s.backup(src);
    await s.close();

    await expect(ProtectionStore.open(dir, { passphrase: "wrong" })).rejects.toBeInstanceOf(WrongKeyError);
    await expect(ProtectionStore.open(dir)).rejects.toBeInstanceOf(WrongKeyError);

    const s2 = await ProtectionStore.open(dir, { passphrase: "correct horse" });
    const out = join(t.dir, "disk.out");
    await s2.restore(b.backupId, out);
    expect(sha(out)).toBe(sha(src));
    expect((await s2.verify({ full: true })).ok).toBe(true);
    const m = await s2.manifest(b.backupId);
    await s2.close();

    // ids are keyed (no plaintext SHA-256 leaks) and no stored blob contains plaintext
    const img = readFileSync(src);
    const plainHash = createHash("sha256").update(img.subarray(0, m.lens[0])).digest("hex");
    expect(m.ids).not.toContain(plainHash);
    const probe = img.subarray(img.length / 2, img.length / 2 + 64);
    for (const f of allFiles(dir)) expect(readFileSync(f).includes(probe)).toBe(false);
  });

  it("incrementals with and without changed ranges encrypt the chunks the workers encode, and restore exactly", async () => {
    const dir = join(t.dir, "enc-incr");
    const base = join(t.dir, "incr0.img");
    const next = join(t.dir, "incr1.img");
    makeImage(base, 6 << 20, "enc-incr");
    const ranges = makeNext(base, next, 0.05, 64);
    const s = await ProtectionStore.create(dir, { passphrase: "p", scryptN: 2 ** 12 });
    try {
      const parent = await s.backup(base);
      const viaRanges = await s.backup(next, { parent: parent.backupId, changedRanges: ranges });
      const reread = await s.backup(next, { parent: parent.backupId });
      expect(viaRanges.stats.newChunks).toBeGreaterThan(0);
      expect((await s.manifest(reread.backupId)).ids).toEqual((await s.manifest(viaRanges.backupId)).ids);
      for (const b of [viaRanges, reread]) {
        const out = join(t.dir, `incr-${b.backupId}.out`);
        await s.restore(b.backupId, out);
        expect(sha(out)).toBe(sha(next));
      }
      expect((await s.verify({ full: true })).ok).toBe(true);
    } finally {
      await s.close();
    }
    const probe = readFileSync(next).subarray(ranges[0]?.[0] ?? 0, (ranges[0]?.[0] ?? 0) + 64);
    for (const f of allFiles(dir)) expect(readFileSync(f).includes(probe)).toBe(false);
  });

  it("works with a key file, and rejects a different key file", async () => {
    const dir = join(t.dir, "keyfile");
    const key = join(t.dir, "store.key");
    const other = join(t.dir, "other.key");
    writeFileSync(key, randomBytes(32));
    writeFileSync(other, randomBytes(32));
    const src = join(t.dir, "kf.img");
    writeFileSync(src, randomBytes(300_000));
    const s = await ProtectionStore.create(dir, { keyFile: key });
    const b = await s.backup(src);
    await s.close();
    await expect(ProtectionStore.open(dir, { keyFile: other })).rejects.toBeInstanceOf(WrongKeyError);
    const s2 = await ProtectionStore.open(dir, { keyFile: key });
    expect((await s2.readRange(b.backupId, 0, 300_000)).equals(readFileSync(src))).toBe(true);
    await s2.close();
  });
});

describe("encrypted stores with tiny chunks", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  it("restores images whose chunks are smaller than Buffer's pool threshold", async () => {
    const s = await ProtectionStore.create(join(t.dir, "tiny"), { passphrase: "pw", scryptN: 2 ** 12 });
    try {
      for (const size of [1, 100, 5000, 20_000, 40_000]) {
        const src = join(t.dir, `tiny-${size}.img`);
        writeFileSync(src, randomBytes(size));
        const b = await s.backup(src);
        const out = join(t.dir, `tiny-${size}.out`);
        await s.restore(b.backupId, out);
        expect(sha(out)).toBe(sha(src));
      }
    } finally {
      await s.close();
    }
  });
});
