import { hostname } from "node:os";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupNotFoundError, ChunkMissingError, GcLockedError, ManifestCorruptError, StoreArgumentError, StoreError, StoreExistsError, StoreIoError, StoreNotFoundError } from "./errors.ts";
import { ProtectionStore } from "./protection-store.ts";
import { makeImage, tempDir } from "./test-support/fixtures.ts";

/** What the promise rejects with, after checking it is a StoreError of the given class with a stable code. */
async function rejection<T extends StoreError>(p: Promise<unknown>, cls: new (...args: never[]) => T, code?: string): Promise<T> {
  const err = await p.then(
    () => new Error("resolved"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect(err).toBeInstanceOf(cls);
  if (!(err instanceof cls)) throw new Error("unreachable: checked above");
  if (code) expect(err.code).toBe(code);
  return err;
}

describe("every entry point fails with a typed StoreError", () => {
  const t = tempDir();
  const img = join(t.dir, "disk.img");
  const dir = join(t.dir, "store");
  let store: ProtectionStore;
  let backupId = "";
  beforeAll(async () => {
    makeImage(img, 2 << 20, "errors");
    store = await ProtectionStore.create(dir);
    backupId = (await store.backup(img)).backupId;
  });
  afterAll(async () => {
    await store.close();
    t.cleanup();
  });

  it("open and create", async () => {
    await rejection(ProtectionStore.open(join(t.dir, "nowhere")), StoreNotFoundError, "STORE_NOT_FOUND");
    await rejection(ProtectionStore.create(dir), StoreExistsError, "STORE_EXISTS");
    writeFileSync(join(t.dir, "a-file"), "x");
    const io = await rejection(ProtectionStore.create(join(t.dir, "a-file", "store")), StoreIoError, "STORE_IO");
    expect(io.errno).toBe("ENOTDIR");
    expect(io.message).not.toContain(t.dir); // no server path in what may reach a client
    const cfgDir = join(t.dir, "dir-config");
    mkdirSync(join(cfgDir, "config.json"), { recursive: true });
    await rejection(ProtectionStore.open(cfgDir), StoreIoError);
  });

  it("backup, restore and readRange", async () => {
    await rejection(store.backup(join(t.dir, "no-such.img")), StoreIoError);
    await rejection(store.backup(img, { parent: "20200101T000000Z-00000000" }), BackupNotFoundError, "BACKUP_NOT_FOUND");
    await rejection(store.restore("20200101T000000Z-00000000", join(t.dir, "x.out")), BackupNotFoundError);
    await rejection(store.restore(backupId, join(t.dir, "no-dir", "x.out")), StoreIoError);
    await rejection(store.readRange(backupId, -1, 10), StoreArgumentError, "STORE_BAD_ARGUMENT");
  });

  it("verify, gc and copy, on damaged and missing files", async () => {
    const d2 = join(t.dir, "damaged");
    const s = await ProtectionStore.create(d2);
    const target = await ProtectionStore.create(join(t.dir, "target"));
    try {
      const b = await s.backup(img);
      // a live GC holds the lock
      mkdirSync(join(d2, "locks"), { recursive: true });
      writeFileSync(join(d2, "locks", "gc"), JSON.stringify({ host: hostname(), pid: process.pid, startedAt: Date.now() }));
      await rejection(s.gc(), GcLockedError, "GC_LOCKED");
      rmSync(join(d2, "locks", "gc"));
      // the target's packs directory is a file: the copy cannot write
      writeFileSync(join(t.dir, "target", "packs"), "x");
      await rejection(s.copyBackup(b.backupId, target), StoreIoError);
      // the pack is gone: restore and copy name the missing chunk
      rmSync(join(d2, "packs"), { recursive: true });
      rmSync(join(d2, "index"), { recursive: true });
      await rejection(s.restore(b.backupId, join(t.dir, "y.out")), ChunkMissingError, "CHUNK_MISSING");
      rmSync(join(t.dir, "target", "packs"));
      await rejection(s.copyBackup(b.backupId, target), ChunkMissingError);
      // a damaged manifest
      const m = join(d2, "backups", b.backupId);
      writeFileSync(m, "not a frame");
      await rejection(s.restore(b.backupId, join(t.dir, "y.out")), ManifestCorruptError, "MANIFEST_CORRUPT");
      // the backups directory is a file: verify and gc cannot list it
      rmSync(join(d2, "backups"), { recursive: true });
      writeFileSync(join(d2, "backups"), "x");
      await rejection(s.verify(), StoreIoError);
      const gc = await s.gc({ graceMs: 0 }).catch((e: unknown) => e);
      expect(gc instanceof StoreError || (typeof gc === "object" && gc !== null && "aborted" in gc && gc.aborted !== null)).toBe(true);
      expect(readdirSync(d2)).toContain("config.json");
    } finally {
      await s.close();
      await target.close();
    }
  });
});
