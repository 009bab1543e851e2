// The ImageStore port on ProtectionStore: what a protection run relies on when it backs up a
// VM's snapshot disks (ImageReader), restores into a VM's disks (ImageWriter), copies to the
// cloud store (a store on S3), verifies and deletes one backup, and cancels any of these.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ByteRange } from "../services/infrastructure/image-store.ts";
import { ImageIoError, OperationCancelledError, StoreArgumentError } from "./errors.ts";
import { extentOffsets } from "./manifest.ts";
import { ProtectionStore } from "./protection-store.ts";
import { flipBitInChunk, makeImage, tempDir } from "./test-support/fixtures.ts";
import { MemoryReader, MemoryWriter } from "./test-support/memory-image.ts";
import { backendKinds } from "./test-support/s3.ts";

const MiB = 1 << 20;
/** 16 MiB of data, a 32 MiB hole (one 4 KiB block of it allocated, holding zeros), then 8 MiB of data and a ragged end. */
const SIZE = 56 * MiB + 12_345;
const ALLOCATED: ByteRange[] = [
  { offset: 0, length: 16 * MiB },
  { offset: 20 * MiB, length: 4096 },
  { offset: 48 * MiB, length: SIZE - 48 * MiB },
];
const HOLES: Array<[number, number]> = [
  [16 * MiB, 20 * MiB],
  [20 * MiB + 4096, 48 * MiB],
];

const overlaps = (r: ByteRange, [a, b]: readonly [number, number]) => r.offset < b && r.offset + r.length > a;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => new Error("resolved"),
    (e: unknown) => e,
  );
}

/** Names of every file under dir (recursively). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe("ImageStore on a protection store", () => {
  const t = tempDir();
  const day0 = Buffer.alloc(SIZE);
  const day0Path = join(t.dir, "day0.img");
  let store: ProtectionStore;
  let full = ""; // day0's image from the reader

  beforeAll(async () => {
    const a = join(t.dir, "a.img");
    const b = join(t.dir, "b.img");
    makeImage(a, 16 * MiB, "image-a");
    makeImage(b, SIZE - 48 * MiB, "image-b");
    readFileSync(a).copy(day0, 0);
    readFileSync(b).copy(day0, 48 * MiB);
    writeFileSync(day0Path, day0);
    store = await ProtectionStore.create(join(t.dir, "store"));
  });
  afterAll(async () => {
    await store.close();
    t.cleanup();
  });

  it("backs up a sparse reader without reading its holes, into the same chunks a path backup makes", async () => {
    const reader = new MemoryReader(day0, ALLOCATED);
    const progress: Array<[number, number]> = [];
    const img = await store.backupImage(reader, { label: "vm-1/disk-0", onProgress: (d, total) => progress.push([d, total]) });
    full = img.imageId;
    // only the allocated ranges were read, and what was read is counted
    expect(reader.reads.filter((r) => HOLES.some((h) => overlaps(r, h)))).toEqual([]);
    expect(reader.bytesRead).toBe(ALLOCATED.reduce((n, r) => n + r.length, 0));
    expect(img.bytesRead).toBe(reader.bytesRead);
    expect(img).toMatchObject({ sizeBytes: SIZE, parent: null, label: "vm-1/disk-0" });
    expect(img.zeroBytes).toBeGreaterThanOrEqual(32 * MiB - 4096);
    expect(progress.at(-1)).toEqual([SIZE, SIZE]);
    // the same bytes from a path chunk the same: nothing new, the same extents
    const viaPath = await store.backup(day0Path);
    expect(viaPath.stats.newStoredBytes).toBe(0);
    const [m1, m2] = [await store.manifest(full), await store.manifest(viaPath.backupId)];
    expect(m1.lens).toEqual(m2.lens);
    expect(m1.ids).toEqual(m2.ids);
    await store.deleteImage(viaPath.backupId);
    // and it restores byte-exact
    expect((await store.readRange(full, 0, SIZE)).equals(day0)).toBe(true);
  });

  it("a changed-range incremental from a reader reads only around the changes and restores byte-exact", async () => {
    const day1 = Buffer.from(day0);
    const changes: ByteRange[] = [
      { offset: 1 * MiB + 100, length: 50_000 },
      { offset: 40 * MiB, length: 64 << 10 }, // new data in the hole
      { offset: 50 * MiB + 7, length: 200_000 },
    ];
    for (const c of changes) randomBytes(c.length).copy(day1, c.offset);
    const day1Path = join(t.dir, "day1.img");
    writeFileSync(day1Path, day1);
    const reader = new MemoryReader(day1, [...ALLOCATED, { offset: 40 * MiB, length: 64 << 10 }]);
    const img = await store.backupImage(reader, { parent: full, changedRanges: changes });
    expect(img.parent).toBe(full);
    // every read lies near a change (a window starts at a cut before it and ends at a common cut after it)
    const near = (r: ByteRange) => changes.some((c) => r.offset >= c.offset - 2 * MiB && r.offset + r.length <= c.offset + c.length + 4 * MiB);
    expect(reader.reads.filter((r) => !near(r))).toEqual([]);
    expect(reader.bytesRead).toBeLessThan(8 * MiB);
    expect(img.bytesRead).toBe(reader.bytesRead);
    // the same chunking as the path's changed-range incremental and as a full read
    const viaPath = await store.backup(day1Path, { parent: full, changedRanges: changes.map((c) => [c.offset, c.length] as const) });
    const whole = await store.backupImage(new MemoryReader(day1));
    const m = await store.manifest(img.imageId);
    for (const other of [viaPath.backupId, whole.imageId]) {
      const o = await store.manifest(other);
      expect(o.lens).toEqual(m.lens);
      expect(o.ids).toEqual(m.ids);
      await store.deleteImage(other);
    }
    const target = new MemoryWriter(randomBytes(SIZE));
    await store.restoreImage(img.imageId, target);
    expect(target.data.equals(day1)).toBe(true);
    await store.deleteImage(img.imageId);
  });

  it("restores into a disk full of old data: data extents written, zero extents zero()ed, then one flush", async () => {
    const garbage = randomBytes(SIZE + MiB);
    const tail = Buffer.from(garbage.subarray(SIZE));
    const target = new MemoryWriter(garbage);
    const progress: number[] = [];
    await store.restoreImage(full, target, { onProgress: (d) => progress.push(d) });
    expect(target.data.subarray(0, SIZE).equals(day0)).toBe(true);
    expect(target.data.subarray(SIZE).equals(tail)).toBe(true); // past the image: untouched
    expect(target.calls.at(-1)).toBe("flush");
    expect(target.flushes).toBe(1);
    expect(progress.at(-1)).toBe(SIZE);
    // the zero() calls are exactly the image's zero extents, adjacent ones as one call
    const m = await store.manifest(full);
    const offs = extentOffsets(m);
    const zeroRuns: ByteRange[] = [];
    m.ids.forEach((id, i) => {
      if (id) return;
      const last = zeroRuns.at(-1);
      if (last && last.offset + last.length === offs[i]) last.length += m.lens[i] as number;
      else zeroRuns.push({ offset: offs[i] as number, length: m.lens[i] as number });
    });
    expect(zeroRuns.length).toBeGreaterThan(0);
    expect([...target.zeros].sort((a, b) => a.offset - b.offset)).toEqual(zeroRuns);
    expect(zeroRuns.some((z) => z.offset <= 32 * MiB && z.offset + z.length >= 48 * MiB)).toBe(true);
    // nothing was written where a zero() went
    expect(target.writes.filter((w) => zeroRuns.some((z) => overlaps(w, [z.offset, z.offset + z.length])))).toEqual([]);
    // a disk smaller than the image is refused before anything is written
    const small = new MemoryWriter(Buffer.alloc(SIZE - 1));
    expect(await rejection(store.restoreImage(full, small))).toBeInstanceOf(StoreArgumentError);
    expect(small.calls).toEqual([]);
  });

  it("describes, lists and deletes images; deleting twice or an unknown id is no error", async () => {
    const other = await store.backupImage(new MemoryReader(randomBytes(3 * MiB)), { label: "vm-2/disk-0" });
    expect(await store.image(other.imageId)).toEqual(other);
    expect(other.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(other.newStoredBytes).toBeGreaterThan(3 * MiB);
    // ids sort by their second, then at random: two images of one second come in either order
    const byLabel = (a: string[], b: string[]) => ((a[1] ?? "") < (b[1] ?? "") ? -1 : 1);
    expect((await store.listImages()).map((i) => [i.imageId, i.label]).sort(byLabel)).toEqual([
      [full, "vm-1/disk-0"],
      [other.imageId, "vm-2/disk-0"],
    ]);
    await store.deleteImage(other.imageId);
    await store.deleteImage(other.imageId);
    await store.deleteImage("not-an-image");
    expect(await store.image(other.imageId)).toBeUndefined();
    expect(await store.image("not-an-image")).toBeUndefined();
    expect((await store.listImages()).map((i) => i.imageId)).toEqual([full]);
    // its chunks come back with a GC
    const gc = await store.gc({ graceMs: 0 });
    expect(gc.reclaimedBytes).toBeGreaterThanOrEqual(other.newStoredBytes);
  });

  it("a reader that fails ends the backup with ImageIoError carrying its error, and nothing is listed", async () => {
    const reader = new MemoryReader(day0, ALLOCATED);
    const cause = new Error("snapshot disk went away");
    reader.onRead = (r) => {
      if (r.offset >= 48 * MiB) throw cause;
    };
    const err = await rejection(store.backupImage(reader));
    expect(err).toBeInstanceOf(ImageIoError);
    expect((err as ImageIoError).cause).toBe(cause);
    // a reader that returns fewer bytes than asked breaks its contract: refused, not stored short
    const short = new MemoryReader(day0, ALLOCATED);
    short.read = async (offset, length) => Buffer.alloc(Math.max(0, length - 1), offset % 256);
    expect(await rejection(store.backupImage(short))).toBeInstanceOf(ImageIoError);
    // bad changed ranges are the caller's mistake, refused before anything is read
    const unread = new MemoryReader(day0, ALLOCATED);
    expect(await rejection(store.backupImage(unread, { parent: full, changedRanges: [{ offset: -1, length: 10 }] }))).toBeInstanceOf(StoreArgumentError);
    expect(unread.reads).toEqual([]);
    expect((await store.listImages()).map((i) => i.imageId)).toEqual([full]);
  });

  it("a reader with a parent but no changed ranges is read whole and stores only what changed", async () => {
    const day1 = Buffer.from(day0);
    randomBytes(10_000).copy(day1, 3 * MiB);
    const reader = new MemoryReader(day1, ALLOCATED);
    const img = await store.backupImage(reader, { parent: full });
    expect(img.parent).toBe(full);
    expect(reader.bytesRead).toBe(ALLOCATED.reduce((n, r) => n + r.length, 0));
    expect(img.newStoredBytes).toBeLessThan(2 * MiB); // the chunk(s) around the change
    expect((await store.readRange(img.imageId, 0, SIZE)).equals(day1)).toBe(true);
    await store.deleteImage(img.imageId);
  });
});

describe("verifyImage", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("re-reads every chunk of one image and names a damaged one with its pack and image bytes", async () => {
    const dir = join(t.dir, "store");
    const store = await ProtectionStore.create(dir);
    try {
      const a = await store.backupImage(new MemoryReader(randomBytes(6 * MiB)));
      const b = await store.backupImage(new MemoryReader(randomBytes(2 * MiB)));
      const good = await store.verifyImage(a.imageId);
      const m = await store.manifest(a.imageId);
      expect(good).toEqual({ ok: true, chunksChecked: new Set(m.ids.filter(Boolean)).size, bytesChecked: a.storedBytes, chunksCheckedOnWrite: 0, chunksFoundInPlace: 0, problems: [] });
      const k = 3;
      const victim = m.ids[k] as string;
      const start = extentOffsets(m)[k] as number;
      const { pack } = await flipBitInChunk(dir, victim);
      const bad = await store.verifyImage(a.imageId);
      expect(bad.ok).toBe(false);
      expect(bad.problems).toHaveLength(1);
      expect(bad.problems[0]).toContain(victim);
      expect(bad.problems[0]).toContain(pack);
      expect(bad.problems[0]).toContain(`image bytes [${start}, ${start + (m.lens[k] as number)})`);
      // only that image's chunks are read: the other image is sound
      expect((await store.verifyImage(b.imageId)).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe("verifyImage after an incremental (verifiedBase)", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("re-hashes only the chunks the image added, and still finds a shared chunk whose pack is gone or cut short", async () => {
    const dir = join(t.dir, "store");
    const store = await ProtectionStore.create(dir);
    try {
      const day0 = randomBytes(12 * MiB);
      const parent = await store.backupImage(new MemoryReader(day0));
      const day1 = Buffer.from(day0);
      randomBytes(MiB).copy(day1, 5 * MiB);
      const child = await store.backupImage(new MemoryReader(day1), { parent: parent.imageId, changedRanges: [{ offset: 5 * MiB, length: MiB }] });
      const m = await store.manifest(child.imageId);
      const p = await store.manifest(parent.imageId);
      const shared = new Set(m.ids.filter((id) => id && p.ids.includes(id)));
      const added = new Set(m.ids.filter((id) => id && !shared.has(id)));

      const quick = await store.verifyImage(child.imageId, { verifiedBase: parent.imageId });
      expect(quick).toEqual({ ok: true, chunksChecked: added.size, bytesChecked: child.newStoredBytes, chunksCheckedOnWrite: 0, chunksFoundInPlace: shared.size, problems: [] });
      const full = await store.verifyImage(child.imageId);
      expect(full.chunksChecked).toBe(added.size + shared.size);
      // an unreadable base vouches for nothing
      expect((await store.verifyImage(child.imageId, { verifiedBase: "20260101T000000Z-00000000" })).chunksChecked).toBe(full.chunksChecked);

      // a shared chunk's pack cut short is found without re-reading it; a bit flipped inside one is
      // left to the full verification, which re-reads everything
      const victim = [...shared][0] as string;
      const { path, pack } = await flipBitInChunk(dir, victim);
      expect((await store.verifyImage(child.imageId, { verifiedBase: parent.imageId })).ok).toBe(true);
      expect((await store.verifyImage(child.imageId)).problems.join()).toContain(victim);
      writeFileSync(path, readFileSync(path).subarray(0, 100));
      const cut = await store.verifyImage(child.imageId, { verifiedBase: parent.imageId });
      expect(cut.ok).toBe(false);
      expect(cut.problems.join()).toContain(`in pack ${pack}`);
      expect(cut.problems.join()).toContain("is cut off");
    } finally {
      await store.close();
    }
  });
});

describe("cancellation", () => {
  const t = tempDir();
  const data = randomBytes(40 * MiB); // incompressible: the first segments fill and seal packs
  let store: ProtectionStore;
  beforeAll(async () => {
    store = await ProtectionStore.create(join(t.dir, "store"));
  });
  afterAll(async () => {
    await store.close();
    t.cleanup();
  });

  it("an aborted backup stops with OperationCancelledError, lists nothing and leaves only garbage GC reclaims", async () => {
    const before = await store.stats();
    const reader = new MemoryReader(data);
    const abort = new AbortController();
    reader.onRead = () => {
      if (reader.reads.length === 2) abort.abort();
    };
    const err = await rejection(store.backupImage(reader, { signal: abort.signal }));
    expect(err).toBeInstanceOf(OperationCancelledError);
    expect(reader.reads.length).toBe(2); // stopped within one batch
    expect(await store.listImages()).toEqual([]);
    const dir = join(t.dir, "store");
    expect(filesUnder(dir).filter((f) => f.includes(".tmp-") || f.includes("/sessions/"))).toEqual([]);
    const written = (await store.stats()).storedBytes - before.storedBytes;
    expect(written).toBeGreaterThan(0); // sealed packs of the first segment
    const gc = await store.gc({ graceMs: 0 });
    expect(gc.reclaimedBytes).toBe(written);
    expect((await store.stats()).storedBytes).toBe(before.storedBytes);
    // a signal aborted before the call reads nothing
    const idle = new MemoryReader(data);
    expect(await rejection(store.backupImage(idle, { signal: AbortSignal.abort() }))).toBeInstanceOf(OperationCancelledError);
    expect(idle.reads).toEqual([]);
  });

  it("restore and verify stop on abort", async () => {
    const img = await store.backupImage(new MemoryReader(data));
    const abort = new AbortController();
    const target = new MemoryWriter(Buffer.alloc(data.length));
    const write = target.write.bind(target);
    target.write = async (offset, bytes) => {
      abort.abort();
      await write(offset, bytes);
    };
    expect(await rejection(store.restoreImage(img.imageId, target, { signal: abort.signal }))).toBeInstanceOf(OperationCancelledError);
    expect(target.flushes).toBe(0);
    expect(await rejection(store.verifyImage(img.imageId, { signal: AbortSignal.abort() }))).toBeInstanceOf(OperationCancelledError);
    await store.deleteImage(img.imageId);
  });
});

const kinds = backendKinds();
afterAll(() => {
  for (const k of kinds) k.cleanup();
});

for (const k of kinds) {
  describe.skipIf(Boolean(k.skip))(`copyImage to a store on ${k.name}${k.skip ? ` (skipped: ${k.skip})` : ""}`, () => {
    const t = tempDir();
    afterAll(() => t.cleanup());

    it("moves only what the target lacks, once; a cancelled copy lists nothing and GC reclaims its packs", async () => {
      const data = randomBytes(20 * MiB);
      const store = await ProtectionStore.create(join(t.dir, "store"));
      const cloud = await ProtectionStore.createOn(await k.make());
      try {
        const img = await store.backupImage(new MemoryReader(data), { label: "vm-3/disk-0" });
        const stop = new AbortController();
        const copy = store.copyImage(img.imageId, cloud, { signal: stop.signal, onProgress: (done) => done > 0 && stop.abort() });
        expect(await rejection(copy)).toBeInstanceOf(OperationCancelledError);
        expect(await cloud.listImages()).toEqual([]);
        expect(await cloud.image(img.imageId)).toBeUndefined();
        expect((await cloud.gc({ graceMs: 0 })).reclaimedBytes).toBeGreaterThan(0);
        expect((await cloud.stats()).storedBytes).toBe(0);
        // then the copy goes through, moving the image's stored bytes once
        expect(await store.copyImage(img.imageId, cloud)).toEqual({ imageId: img.imageId, bytesMoved: img.storedBytes });
        expect(await store.copyImage(img.imageId, cloud)).toEqual({ imageId: img.imageId, bytesMoved: 0 });
        expect(await cloud.image(img.imageId)).toMatchObject({ imageId: img.imageId, label: "vm-3/disk-0", sizeBytes: data.length });
        // a later image of the same disk moves only its new chunks
        const day1 = Buffer.from(data);
        randomBytes(100_000).copy(day1, 5 * MiB);
        const next = await store.backupImage(new MemoryReader(day1), { parent: img.imageId, changedRanges: [{ offset: 5 * MiB, length: 100_000 }] });
        expect((await store.copyImage(next.imageId, cloud)).bytesMoved).toBe(next.newStoredBytes);
        const target = new MemoryWriter(randomBytes(data.length));
        await cloud.restoreImage(next.imageId, target);
        expect(target.data.equals(day1)).toBe(true);
        expect((await cloud.verifyImage(next.imageId)).ok).toBe(true);
      } finally {
        await store.close();
        await cloud.close();
      }
    });
  });
}
