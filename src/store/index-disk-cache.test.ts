import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { INDEX_PREFIX } from "./pack-index.ts";
import { ProtectionStore } from "./protection-store.ts";
import { tempDir } from "./test-support/fixtures.ts";

/** A directory standing in for a remote store (it names itself for the cache), counting index GETs. */
class RemoteBackend extends LocalDirBackend {
  indexGets: string[] = [];
  override get(key: string): Promise<Buffer> {
    if (key.startsWith(INDEX_PREFIX)) this.indexGets.push(key);
    return super.get(key);
  }
  cacheName(): string {
    return "remote test store";
  }
}

/** The one store directory under the cache root, and the copies in it. */
function copies(root: string): { dir: string; names: string[] } {
  const [store, ...more] = readdirSync(root);
  expect(more).toEqual([]);
  const dir = join(root, store as string, INDEX_PREFIX);
  return { dir, names: readdirSync(dir).sort() };
}

describe("local copies of a remote store's index blobs", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  const image = (name: string, mib: number) => {
    const p = join(t.dir, name);
    writeFileSync(p, randomBytes(mib << 20));
    return p;
  };

  it("a new process loads the index from the copies, a damaged copy is fetched again, and removed blobs' copies go", async () => {
    const dir = join(t.dir, "s");
    const cacheDir = join(t.dir, "cache");
    const a = image("a.img", 20);
    const b = image("b.img", 12);
    const store = await ProtectionStore.createOn(new RemoteBackend(dir), { cacheDir });
    const ba = await store.backup(a);
    const bb = await store.backup(b);
    await store.close();
    const listed = async () => (await new LocalDirBackend(dir).listKeys(INDEX_PREFIX)).map((k) => k.slice(INDEX_PREFIX.length)).sort();
    // the blobs the backups wrote were copied as they were written
    expect(copies(cacheDir).names).toEqual(await listed());

    // another process: the index comes from the copies, and restores right
    let backend = new RemoteBackend(dir);
    let s = await ProtectionStore.openOn(backend, { cacheDir });
    const out = join(t.dir, "a.out");
    await s.restore(ba.backupId, out);
    expect(readFileSync(out).equals(readFileSync(a))).toBe(true);
    expect(backend.indexGets).toEqual([]);
    await s.close();

    // a cut copy and a bit flipped in another: both are fetched from the store and copied again
    const { dir: copyDir, names } = copies(cacheDir);
    const [cut, flipped] = names.map((n) => join(copyDir, n));
    const good = readFileSync(flipped as string);
    writeFileSync(cut as string, readFileSync(cut as string).subarray(0, 20));
    const bad = Buffer.from(good);
    bad[bad.length >> 1] = (bad[bad.length >> 1] as number) ^ 1;
    writeFileSync(flipped as string, bad);
    backend = new RemoteBackend(dir);
    s = await ProtectionStore.openOn(backend, { cacheDir });
    await s.restore(bb.backupId, out);
    expect(readFileSync(out).equals(readFileSync(b))).toBe(true);
    expect(backend.indexGets.sort()).toEqual([names[0], names[1]].map((n) => INDEX_PREFIX + n));
    expect(readFileSync(flipped as string).equals(good)).toBe(true);

    // verify reads every blob from the store itself, copies or not
    backend.indexGets = [];
    expect((await s.verify()).ok).toBe(true);
    expect(backend.indexGets.length).toBe(names.length);

    // a GC merges the blobs: the next process's load drops the copies of the removed ones
    await s.deleteBackup(ba.backupId);
    await s.gc({ graceMs: 0 });
    await s.close();
    s = await ProtectionStore.openOn(new RemoteBackend(dir), { cacheDir });
    await s.restore(bb.backupId, out);
    expect(readFileSync(out).equals(readFileSync(b))).toBe(true);
    await s.close();
    const after = await listed();
    expect(after.some((n) => n.startsWith("m-")) && names.some((n) => !after.includes(n))).toBe(true);
    expect(copies(cacheDir).names).toEqual(after);
  });

  it("keeps no copies without a cache dir or of a directory store, and none shared by two stores at one place", async () => {
    const cacheDir = join(t.dir, "cache2");
    const img = image("c.img", 9);
    const local = await ProtectionStore.create(join(t.dir, "local"), { cacheDir });
    await local.backup(img);
    await local.close();
    expect(existsSync(cacheDir)).toBe(false);
    const plain = await ProtectionStore.createOn(new RemoteBackend(join(t.dir, "no-cache")));
    await plain.backup(img);
    await plain.close();
    expect(existsSync(cacheDir)).toBe(false);

    // same place (cacheName), another store (config.json): separate copies
    const one = await ProtectionStore.createOn(new RemoteBackend(join(t.dir, "one")), { cacheDir });
    await one.backup(img);
    await one.close();
    const two = await ProtectionStore.createOn(new RemoteBackend(join(t.dir, "two")), { cacheDir });
    await two.backup(img);
    await two.close();
    expect(readdirSync(cacheDir).length).toBe(2);
  });
});
