// The store registry over real chunk stores in a temporary directory: one open per store, cached
// statistics that a write makes stale, delete closing and destroying, the store's typed errors.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ProtectionStoreFactory } from "../../store/chunk-store-factory.ts";
import { StoreExistsError, StoreNotFoundError, WrongKeyError } from "../../store/errors.ts";
import type { ProtectionStore } from "../../store/protection-store.ts";
import { makeImage, tempDir } from "../../store/test-support/fixtures.ts";
import { type ChunkStoreLocation, describeLocation } from "./chunk-stores.ts";
import { StoreRegistry } from "./store-registry.ts";

const t = tempDir("obr-registry-");
afterAll(() => t.cleanup());

/** The factory, counting how often a store is really opened. */
function countingFactory() {
  const factory = new ProtectionStoreFactory();
  const opens: string[] = [];
  return {
    opens,
    create: (l: ChunkStoreLocation) => factory.create(l),
    open: (l: ChunkStoreLocation) => {
      opens.push(describeLocation(l));
      return factory.open(l);
    },
    destroy: (l: ChunkStoreLocation) => factory.destroy(l),
    inspectBucket: factory.inspectBucket.bind(factory),
  };
}

describe("StoreRegistry", () => {
  test("opens each store once, also for concurrent callers, and keeps it open", async () => {
    const factory = countingFactory();
    const dir = join(t.dir, "once");
    await (await new ProtectionStoreFactory().create({ dir })).close();
    const registry = new StoreRegistry(factory);
    const [a, b] = await Promise.all([registry.open("s1", { dir }), registry.open("s1", { dir })]);
    const c = await registry.open("s1", { dir });
    expect(a).toBe(b);
    expect(a).toBe(c);
    expect(factory.opens).toEqual([dir]);
    await registry.close();
    expect(registry.isOpen("s1")).toBe(false);
  });

  test("statistics are cached until a write marks them stale, then measured again", async () => {
    let now = 1_000;
    const registry = new StoreRegistry(new ProtectionStoreFactory(), { statsMaxAgeMs: 60_000, now: () => now });
    const dir = join(t.dir, "stats");
    const store: ProtectionStore = await registry.create("s2", { dir });
    const empty = await registry.stats("s2", { dir });
    expect(empty).toMatchObject({ backups: 0, logicalBytes: 0, storedBytes: 0 });

    const image = join(t.dir, "disk.img");
    makeImage(image, 2 << 20, "registry");
    await store.backup(image, { label: "vm" });
    // Cached: the backup is not seen until the registry hears of the write (or the age passes).
    expect(await registry.stats("s2", { dir })).toBe(empty);
    registry.written("s2");
    const after = await registry.stats("s2", { dir });
    expect(after.backups).toBe(1);
    expect(after.logicalBytes).toBe(2 << 20);
    expect(after.storedBytes).toBeGreaterThan(0);
    expect(after.dedupRatio).toBeGreaterThanOrEqual(1);

    await store.backup(image, { label: "vm again" });
    expect((await registry.stats("s2", { dir })).backups).toBe(1);
    now += 60_000;
    expect((await registry.stats("s2", { dir })).backups).toBe(2);
    await registry.close();
  });

  test("destroy closes the store and removes its data; opening it again is StoreNotFoundError", async () => {
    const registry = new StoreRegistry(new ProtectionStoreFactory());
    const dir = join(t.dir, "doomed");
    await registry.create("s3", { dir });
    expect(existsSync(join(dir, "config.json"))).toBe(true);
    await registry.destroy("s3", { dir });
    expect(existsSync(dir)).toBe(false);
    expect(registry.isOpen("s3")).toBe(false);
    await expect(registry.open("s3", { dir })).rejects.toBeInstanceOf(StoreNotFoundError);
    await registry.destroy("s3", { dir }); // idempotent
  });

  test("a failed open is the store's typed error and is not cached", async () => {
    const registry = new StoreRegistry(new ProtectionStoreFactory());
    const dir = join(t.dir, "later");
    await expect(registry.open("s4", { dir })).rejects.toBeInstanceOf(StoreNotFoundError);
    expect(registry.isOpen("s4")).toBe(false);
    await (await new ProtectionStoreFactory().create({ dir })).close();
    await expect(registry.open("s4", { dir })).resolves.toBeDefined();
    await expect(new StoreRegistry(new ProtectionStoreFactory()).create("s5", { dir })).rejects.toBeInstanceOf(StoreExistsError);
    await registry.close();
  });

  test("an encrypted store opens with its key only", async () => {
    const dir = join(t.dir, "sealed");
    const key = "a".repeat(64);
    const first = new StoreRegistry(new ProtectionStoreFactory());
    const store = await first.create("s6", { dir, key });
    expect(store.encrypted).toBe(true);
    await first.close();
    const second = new StoreRegistry(new ProtectionStoreFactory());
    await expect(second.open("s6", { dir, key: "b".repeat(64) })).rejects.toBeInstanceOf(WrongKeyError);
    await expect(second.open("s6", { dir })).rejects.toBeInstanceOf(WrongKeyError);
    expect((await second.open("s6", { dir, key })).encrypted).toBe(true);
    await second.close();
  });
});
