import { createHash } from "node:crypto";
import { closeSync, copyFileSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extentOffsets } from "./manifest.ts";
import { ProtectionStore } from "./protection-store.ts";
import { backendKinds } from "./test-support/s3.ts";
import { makeImage, makeNext, sha, tempDir } from "./test-support/fixtures.ts";

const kinds = backendKinds();
afterAll(() => {
  for (const k of kinds) k.cleanup();
});

for (const k of kinds) describe.skipIf(Boolean(k.skip))(`dedup and incremental backups on ${k.name}${k.skip ? ` (skipped: ${k.skip})` : ""}`, () => {
  const t = tempDir();
  let store: ProtectionStore;
  const base = join(t.dir, "day0.img");
  beforeAll(async () => {
    store = await ProtectionStore.createOn(await k.make());
    makeImage(base, 12 << 20, "inc");
  });
  afterAll(async () => {
    await store.close();
    t.cleanup();
  });

  it("a second identical backup adds no chunk", async () => {
    const a = await store.backup(base);
    const before = (await store.stats()).chunkCount;
    const b = await store.backup(base);
    expect(b.stats.newChunks).toBe(0);
    expect(b.stats.newStoredBytes).toBe(0);
    expect((await store.stats()).chunkCount).toBe(before);
    expect(a.stats.newChunks).toBeGreaterThan(0);
  });

  it("a one-byte change adds only the chunk(s) containing it", async () => {
    const parent = await store.backup(base);
    const changed = join(t.dir, "onebyte.img");
    copyFileSync(base, changed);
    const whole = readFileSync(base);
    // a byte inside data (not a zero extent)
    let at = 5_000_001;
    while (whole[at] === 0) at++;
    const fd = openSync(changed, "r+");
    writeSync(fd, Buffer.from([(whole[at] as number) ^ 0xff]), 0, 1, at);
    closeSync(fd);
    const b = await store.backup(changed, { parent: parent.backupId });
    expect((await store.manifest(b.backupId)).ids).toEqual((await store.manifest((await store.backup(changed)).backupId)).ids);
    expect(b.stats.newChunks).toBeGreaterThanOrEqual(1);
    expect(b.stats.newChunks).toBeLessThanOrEqual(2); // the byte may also move the following cut
    const m = await store.manifest(b.backupId);
    const offs = extentOffsets(m);
    const pm = await store.manifest(parent.backupId);
    const parentIds = new Set(pm.ids);
    m.ids.forEach((id, i) => {
      if (id && !parentIds.has(id)) expect((offs[i + 1] as number) > at - (1 << 20) && (offs[i] as number) <= at + (1 << 20)).toBe(true);
    });
    // with the changed range only that region is read
    const viaRanges = await store.backup(changed, { parent: parent.backupId, changedRanges: [[at, 1]] });
    expect((await store.manifest(viaRanges.backupId)).ids).toEqual(m.ids);
    expect(viaRanges.stats.bytesRead).toBeLessThan(6 << 20);
    const out = join(t.dir, "onebyte.out");
    await store.restore(viaRanges.backupId, out);
    expect(sha(out)).toBe(sha(changed));
  });

  for (const [label, runMean] of [["clustered", 256], ["scattered", 1]] as const) {
    it(`incremental with ${label} churn: with and without changed ranges give the same, exact backup`, async () => {
      const parent = await store.backup(base);
      const next = join(t.dir, `${label}.img`);
      const ranges = makeNext(base, next, 0.03, runMean);
      const withRanges = await store.backup(next, { parent: parent.backupId, changedRanges: ranges });
      const full = await store.backup(next, { parent: parent.backupId });
      const fresh = await store.backup(next); // no parent: content-defines every chunk again
      const mr = await store.manifest(withRanges.backupId);
      const mf = await store.manifest(full.backupId);
      const m0 = await store.manifest(fresh.backupId);
      expect(mr.lens).toEqual(m0.lens);
      expect(mr.ids).toEqual(m0.ids);
      expect(mf.lens).toEqual(m0.lens);
      expect(mf.ids).toEqual(m0.ids);
      expect(full.stats.newChunks).toBe(0);
      if (runMean > 1) expect(withRanges.stats.bytesRead).toBeLessThan(next.length > 0 ? (12 << 20) * 0.8 : 0);
      expect(withRanges.stats.newStoredBytes).toBeLessThan(withRanges.size * 0.6);
      for (const b of [withRanges, full]) {
        const out = join(t.dir, `${label}-${b.backupId}.out`);
        await store.restore(b.backupId, out);
        expect(sha(out)).toBe(sha(next));
      }
    });
  }

  it("a change next to a long zero region is re-chunked exactly without reading the zero region", async () => {
    const MiB = 1 << 20;
    // data [0, 4 MiB), zeros [4, 12 MiB), data [12, 16 MiB): the zero extent ends at a data block
    const img = Buffer.alloc(16 * MiB);
    for (let o = 0; o < img.length; o += 32) createHash("sha256").update(`z${o}`).digest().copy(img, o);
    img.fill(0, 4 * MiB, 12 * MiB);
    const path = join(t.dir, "zeros.img");
    writeFileSync(path, img);
    const parent = await store.backup(path);
    const variants: Array<[string, Array<[number, number, number]>]> = [
      // [label, changes]: each change [offset, length, fill] sets those bytes to fill
      ["data just before the zero region", [[4 * MiB - 300_000, 300_000, 7]]],
      ["the data block that ends the zero region", [[12 * MiB, 4096, 9]]],
      ["zeros extending the run forwards", [[12 * MiB, 8192, 0]]],
      ["zeros extending the run backwards", [[4 * MiB - 40_960, 40_960, 0]]],
      ["data inside the zero region", [[8 * MiB + 4096, 4096, 5]]],
      ["two changes inside the zero region, far apart", [[5 * MiB + 4096, 4096, 5], [10 * MiB, 8192, 3]]],
      ["a change, then zeros written over zeros", [[5 * MiB, 4096, 6], [9 * MiB, 8192, 0]]],
    ];
    for (const [label, changes] of variants) {
      const changed = Buffer.from(img);
      for (const [off, len, fill] of changes) changed.fill(fill, off, off + len);
      const cpath = join(t.dir, "zeros-changed.img");
      writeFileSync(cpath, changed);
      const changedRanges = changes.map(([off, len]) => [off, len] as [number, number]);
      const viaRanges = await store.backup(cpath, { parent: parent.backupId, changedRanges });
      const fresh = await store.backup(cpath);
      const [mr, m0] = [await store.manifest(viaRanges.backupId), await store.manifest(fresh.backupId)];
      expect({ label, lens: mr.lens, ids: mr.ids }).toEqual({ label, lens: m0.lens, ids: m0.ids });
      // the zero region between and after the changes is known without reading it
      if (label.startsWith("data just before") || label.startsWith("two changes")) expect(viaRanges.stats.bytesRead).toBeLessThan(3 * MiB);
    }
  });

  it("a window writes again the parent's chunks it re-creates when the store has lost them", async () => {
    const backend = await k.make();
    let s = await ProtectionStore.createOn(backend);
    const parent = await s.backup(base);
    await s.close();
    // every chunk gone (a damaged store): the workers skip encoding the parent's chunks, so the
    // sink must encode those itself
    for (const key of [...(await backend.listKeys("packs/")), ...(await backend.listKeys("index/"))]) await backend.delete(key);
    s = await ProtectionStore.openOn(backend);
    try {
      const whole = readFileSync(base);
      // a change just past a parent cut: re-chunking restarts a chunk earlier and re-creates
      // the parent's chunk before the change
      const pm = await s.manifest(parent.backupId);
      const offs = extentOffsets(pm);
      const i = pm.ids.findIndex((id, k) => (offs[k] as number) >= 6 << 20 && id && pm.ids[k - 1] && (pm.lens[k] as number) > 16384);
      const at = (offs[i] as number) + 8192;
      const changed = join(t.dir, "lost.img");
      const bytes = Buffer.from(whole);
      bytes.fill(0x5a, at, at + 4096);
      writeFileSync(changed, bytes);
      const b = await s.backup(changed, { parent: parent.backupId, changedRanges: [[at, 4096]] });
      const parentIds = new Set(pm.ids);
      const changedChunks = new Set((await s.manifest(b.backupId)).ids.filter((id) => id && !parentIds.has(id))).size;
      expect(b.stats.newChunks).toBeGreaterThan(changedChunks);
      // the window [last parent cut >= LOOKAHEAD before the change, the change's end) is whole again
      expect(await s.readRange(b.backupId, at - (64 << 10), (64 << 10) + 4096)).toEqual(bytes.subarray(at - (64 << 10), at + 4096));
    } finally {
      await s.close();
    }
  });

  it("changed ranges that cover nothing reuse the parent entirely; a shrunk image is handled", async () => {
    const parent = await store.backup(base);
    const same = await store.backup(base, { parent: parent.backupId, changedRanges: [] });
    expect(same.stats.bytesRead).toBe(0);
    expect((await store.manifest(same.backupId)).ids).toEqual((await store.manifest(parent.backupId)).ids);
    const shrunk = join(t.dir, "shrunk.img");
    const whole = readFileSync(base);
    const fd = openSync(shrunk, "w");
    writeSync(fd, whole, 0, 7_000_123, 0);
    closeSync(fd);
    const b = await store.backup(shrunk, { parent: parent.backupId, changedRanges: [] });
    const out = join(t.dir, "shrunk.out");
    await store.restore(b.backupId, out);
    expect(sha(out)).toBe(sha(shrunk));
  });
});
