import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chunkId, decodeChunk, encodeChunk } from "./chunk-codec.ts";
import { ChunkCorruptError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";
import { makeImage, makeNext, sha, tempDir } from "./test-support/fixtures.ts";

describe("chunk id hash", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("frames say which hash names them; decoding checks that one and no other", () => {
    const plain = Buffer.from("the same bytes under two names ".repeat(100));
    const sha256 = chunkId(plain, null, "sha256");
    const b3 = chunkId(plain, null, "blake3");
    expect(sha256).toBe(createHash("sha256").update(plain).digest("hex"));
    expect(b3).toMatch(/^[0-9a-f]{64}$/);
    expect(b3).not.toBe(sha256);
    expect(decodeChunk(encodeChunk(plain, b3, null, 1, "blake3"), b3, null).equals(plain)).toBe(true);
    expect(decodeChunk(encodeChunk(plain, sha256, null, 1, "sha256"), sha256, null).equals(plain)).toBe(true);
    // a frame that claims the other hash for its id fails its own check
    expect(() => decodeChunk(encodeChunk(plain, b3, null, 1, "sha256"), b3, null)).toThrow(ChunkCorruptError);
    const keys = { encKey: Buffer.alloc(32, 1), idKey: Buffer.alloc(32, 2) };
    const keyed = chunkId(plain, keys, "blake3");
    expect(keyed).not.toBe(b3);
    expect(decodeChunk(encodeChunk(plain, keyed, keys, 1, "blake3"), keyed, keys).equals(plain)).toBe(true);
  });

  it("new stores use BLAKE3; SHA-256 stores keep working, and copies between them rename chunks", async () => {
    const day0 = join(t.dir, "d0.img");
    const day1 = join(t.dir, "d1.img");
    makeImage(day0, 6 << 20, "idhash");
    makeNext(day0, day1, 0.05, 64);
    const b3 = await ProtectionStore.create(join(t.dir, "b3"));
    const old = await ProtectionStore.create(join(t.dir, "old"), { idHash: "sha256" });
    try {
      expect(b3.config.idHash).toBe("blake3");
      expect(old.config.idHash).toBe("sha256");
      const o0 = await old.backup(day0);
      const o1 = await old.backup(day1, { parent: o0.backupId });
      expect(o1.stats.newChunks).toBeLessThan(o1.stats.uniqueChunks);
      const again = await old.backup(day1, { parent: o1.backupId });
      expect(again.stats.newChunks).toBe(0);
      expect((await old.verify({ full: true })).ok).toBe(true);
      const c0 = await old.copyBackup(o0.backupId, b3);
      expect(c0.chunksCopied).toBe(o0.stats.uniqueChunks);
      const c1 = await old.copyBackup(o1.backupId, b3);
      expect(c1.chunksCopied).toBe(o1.stats.newChunks);
      const out = join(t.dir, "out.img");
      await b3.restore(o1.backupId, out);
      expect(sha(out)).toBe(sha(day1));
      // a BLAKE3 backup of the same image dedups against the copied (renamed) chunks
      const n1 = await b3.backup(day1);
      expect(n1.stats.newChunks).toBe(0);
      expect((await b3.verify({ full: true })).ok).toBe(true);
    } finally {
      await Promise.all([b3.close(), old.close()]);
    }
  });
});
