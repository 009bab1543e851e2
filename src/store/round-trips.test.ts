// On an object store every request is a round trip (≈ 45 ms each on the test RGW for a small
// GET), so reads that do not depend on each other must go out together. A backend that delays
// every call checks which requests are in flight at once.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BlobInfo } from "./backend.ts";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { GC_EPOCH, GC_LOCK } from "./gc-lock.ts";
import { ProtectionStore } from "./protection-store.ts";
import { tempDir } from "./test-support/fixtures.ts";

/** The local backend, each read answered 15 ms late, recording the reads in flight together. */
class SlowBackend extends LocalDirBackend {
  readonly reads: string[] = [];
  /** the most reads in flight at once, overall and per kind ("readAt index", "get locks") */
  peak = 0;
  peakOf = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  #total = 0;

  async #slow<T>(op: string, key: string, fn: () => Promise<T>): Promise<T> {
    const kind = `${op} ${key.split("/")[0]}`;
    this.reads.push(`${op} ${key}`);
    const n = (this.#inFlight.get(kind) ?? 0) + 1;
    this.#inFlight.set(kind, n);
    this.peakOf.set(kind, Math.max(this.peakOf.get(kind) ?? 0, n));
    this.peak = Math.max(this.peak, ++this.#total);
    try {
      await sleep(15);
      return await fn();
    } finally {
      this.#inFlight.set(kind, (this.#inFlight.get(kind) ?? 1) - 1);
      this.#total--;
    }
  }

  reset(): void {
    this.peak = 0;
    this.peakOf = new Map();
    this.reads.length = 0;
  }

  override get(key: string): Promise<Buffer> {
    return this.#slow("get", key, () => super.get(key));
  }
  override list(prefix: string): Promise<BlobInfo[]> {
    return this.#slow("list", prefix, () => super.list(prefix));
  }
  override listKeys(prefix: string): Promise<string[]> {
    return this.#slow("list", prefix, () => super.listKeys(prefix));
  }
  override readAt(key: string, offset: number, target: Uint8Array): Promise<number> {
    return this.#slow("readAt", key, () => super.readAt(key, offset, target));
  }
}

describe("round trips to the store's backend", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("open reads config.json and samples the data's frames at once; a copy reads the GC lock and epoch at once, the lock once at its commit, and lists no session", async () => {
    const from = await ProtectionStore.create(join(t.dir, "from"));
    const img = join(t.dir, "a.img");
    writeFileSync(img, randomBytes(32 << 20)); // incompressible: four 8 MiB packs
    const b = await from.backup(img);
    const toDir = join(t.dir, "to");
    await (await ProtectionStore.create(toDir)).close();
    const backend = new SlowBackend(toDir);
    const to = await ProtectionStore.openOn(backend);
    try {
      await from.copyBackup(b.backupId, to);
      await to.close();

      backend.reset();
      const again = await ProtectionStore.openOn(backend);
      await again.close();
      expect(backend.reads.filter((r) => r.startsWith("readAt index/")).length).toBe(3);
      // config.json and the three listings together, then each prefix's samples together
      expect(backend.peak).toBeGreaterThanOrEqual(4);
      expect(backend.peakOf.get("readAt index")).toBe(3);
      expect(backend.peakOf.get("readAt packs")).toBe(3);

      // the second copy of the same backup: every chunk is there already
      backend.reset();
      const to2 = await ProtectionStore.openOn(backend);
      backend.reset();
      await from.copyBackup(b.backupId, to2);
      await to2.close();
      expect(backend.reads.filter((r) => r === `get ${GC_LOCK}`).length).toBe(2); // the snapshot, the wait for no GC
      expect(backend.reads.filter((r) => r === `get ${GC_EPOCH}`).length).toBe(2); // the snapshot, the commit's check
      expect(backend.peakOf.get("get locks")).toBe(2);
      // the session removes the keys it wrote without listing them
      expect(backend.reads.filter((r) => r.startsWith("list sessions/"))).toEqual([]);
      expect(await new LocalDirBackend(toDir).listKeys("sessions/")).toEqual([]);
    } finally {
      await from.close();
    }
  });
});
