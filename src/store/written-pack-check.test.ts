// Verify-after-write while the backup runs (ImageBackupOptions.verifyWritten): each pack is
// re-read and its chunks re-hashed once durable, and the verification after the backup then only
// looks those chunks up, unless one came back damaged: that one it re-reads and reports.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { OperationCancelledError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";
import { tempDir } from "./test-support/fixtures.ts";
import { MemoryReader } from "./test-support/memory-image.ts";

const MiB = 1 << 20;

/** A directory that counts the pack reads, and returns every read of one pack (the first read) with a byte flipped. */
class WatchedDir extends LocalDirBackend {
  packReads = 0;
  damage = false;
  damaged: string | null = null;
  override async readAt(key: string, offset: number, target: Uint8Array): Promise<number> {
    const n = await super.readAt(key, offset, target);
    if (!key.startsWith("packs/")) return n;
    this.packReads++;
    if (this.damage && this.damaged === null) this.damaged = key;
    if (key === this.damaged && n > 100) target[100] = (target[100] ?? 0) ^ 0xff;
    return n;
  }
}

describe("verify as the backup writes", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("re-reads every new chunk from its durable pack; the verification after reads no pack again", async () => {
    const backend = new WatchedDir(join(t.dir, "a"));
    const store = await ProtectionStore.createOn(backend);
    try {
      const image = await store.backupImage(new MemoryReader(randomBytes(40 * MiB)), { verifyWritten: true });
      const onWrite = image.verifiedOnWrite ?? new Map<string, number>();
      expect(backend.packReads).toBeGreaterThanOrEqual(5); // 40 MiB of incompressible data: five 8 MiB packs at least
      expect([...onWrite.values()].reduce((n, b) => n + b, 0)).toBe(image.newStoredBytes);
      backend.packReads = 0;
      const v = await store.verifyImage(image.imageId, { verifiedOnWrite: onWrite });
      expect(v).toMatchObject({ ok: true, chunksCheckedOnWrite: onWrite.size, chunksChecked: onWrite.size, bytesChecked: image.newStoredBytes, chunksFoundInPlace: 0 });
      expect(backend.packReads).toBe(0);
      // without the option nothing is read back during the backup, and nothing is vouched for
      const plain = await store.backupImage(new MemoryReader(randomBytes(8 * MiB)));
      expect(plain.verifiedOnWrite).toBeUndefined();
      expect(backend.packReads).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("a pack that reads back damaged vouches for none of its chunks: the verification after re-reads and reports them", async () => {
    const backend = new WatchedDir(join(t.dir, "b"));
    const store = await ProtectionStore.createOn(backend);
    try {
      backend.damage = true;
      const image = await store.backupImage(new MemoryReader(randomBytes(40 * MiB)), { verifyWritten: true });
      const onWrite = image.verifiedOnWrite ?? new Map<string, number>();
      expect(backend.damaged).not.toBeNull();
      const v = await store.verifyImage(image.imageId, { verifiedOnWrite: onWrite });
      expect(v.ok).toBe(false);
      expect(v.problems.length).toBeGreaterThan(0);
      expect(v.problems.every((p) => p.includes(`in pack ${backend.damaged?.split("/").pop()}`) && p.includes("is damaged"))).toBe(true);
      expect(v.chunksChecked).toBeGreaterThan(v.chunksCheckedOnWrite);
    } finally {
      await store.close();
    }
  });

  it("a copy that verifies as it writes vouches for what it moved into the target; the target's verification reads no pack again", async () => {
    const from = await ProtectionStore.create(join(t.dir, "c-from"));
    const backend = new WatchedDir(join(t.dir, "c-to"));
    const to = await ProtectionStore.createOn(backend);
    try {
      const image = await from.backupImage(new MemoryReader(randomBytes(24 * MiB)));
      const copied = await from.copyImage(image.imageId, to, { verifyWritten: true });
      const onWrite = copied.verifiedOnWrite ?? new Map<string, number>();
      expect(copied.bytesMoved).toBeGreaterThan(0);
      expect([...onWrite.values()].reduce((n, b) => n + b, 0)).toBe(copied.bytesMoved);
      backend.packReads = 0;
      expect(await to.verifyImage(copied.imageId, { verifiedOnWrite: onWrite })).toMatchObject({ ok: true, chunksCheckedOnWrite: onWrite.size });
      expect(backend.packReads).toBe(0);
    } finally {
      await from.close();
      await to.close();
    }
  });

  it("an aborted backup that verifies as it writes stops, lists nothing, and leaves no read of its packs running", async () => {
    const backend = new WatchedDir(join(t.dir, "d"));
    const store = await ProtectionStore.createOn(backend);
    try {
      const reader = new MemoryReader(randomBytes(64 * MiB));
      const abort = new AbortController();
      reader.onRead = () => {
        if (reader.reads.length === 2) abort.abort();
      };
      const err = await store.backupImage(reader, { verifyWritten: true, signal: abort.signal }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OperationCancelledError);
      expect(await store.listImages()).toEqual([]);
      const reads = backend.packReads;
      await new Promise((r) => setTimeout(r, 100));
      expect(backend.packReads).toBe(reads); // every check had ended (or skipped) when the backup returned
    } finally {
      await store.close();
    }
  });
});
