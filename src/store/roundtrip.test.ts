import { createHash, randomBytes } from "node:crypto";
import { createReadStream, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEGMENT } from "./chunker.ts";
import { ProtectionStore } from "./protection-store.ts";
import { backendKinds } from "./test-support/s3.ts";
import { makeImage, sha, tempDir, writeRandom } from "./test-support/fixtures.ts";

const kinds = backendKinds();
afterAll(() => {
  for (const k of kinds) k.cleanup();
});

for (const k of kinds) describe.skipIf(Boolean(k.skip))(`backup and restore round trips on ${k.name}${k.skip ? ` (skipped: ${k.skip})` : ""}`, () => {
  const t = tempDir();
  let store: ProtectionStore;
  beforeAll(async () => {
    store = await ProtectionStore.createOn(await k.make());
  });
  afterAll(async () => {
    await store.close();
    t.cleanup();
  });

  const roundTrip = async (name: string, data: Buffer) => {
    const src = join(t.dir, `${name}.img`);
    writeFileSync(src, data);
    const b = await store.backup(src);
    expect(b.size).toBe(data.length);
    const out = join(t.dir, `${name}.out`);
    await store.restore(b.backupId, out);
    expect(sha(out)).toBe(sha(src));
    return { b, out };
  };

  const sizes: Array<[string, number]> = [
    ["empty", 0],
    ["one-byte", 1],
    ["min-chunk-1", (64 << 10) - 1],
    ["min-chunk+1", (64 << 10) + 1],
    ["max-chunk-1", (1 << 20) - 1],
    ["max-chunk+1", (1 << 20) + 1],
    ["segment+1", SEGMENT + 1],
  ];
  for (const [name, size] of sizes) {
    it(`random data of ${size} bytes (${name})`, async () => {
      const { b } = await roundTrip(name, randomBytes(size));
      expect(b.stats.logicalBytes).toBe(size);
    });
  }

  it("sparse image: zero regions cost no chunks and restore as holes", async () => {
    const data = Buffer.alloc(8 << 20);
    randomBytes(1 << 20).copy(data, 3 << 20);
    const { b, out } = await roundTrip("sparse", data);
    expect(b.stats.zeroBytes).toBeGreaterThanOrEqual(6 << 20);
    expect(b.stats.uniqueChunkBytes).toBeLessThanOrEqual(2 << 20);
    const st = statSync(out);
    expect(st.blocks * 512).toBeLessThan(4 << 20); // holes, not written zeros
  });

  it("all-zero image stores nothing", async () => {
    const { b } = await roundTrip("zeros", Buffer.alloc(5 << 20));
    expect(b.stats.chunkCount).toBe(0);
    expect(b.stats.zeroBytes).toBe(5 << 20);
  });

  it("duplicate-heavy image dedups", async () => {
    // fixed pseudo-random bytes: with fresh random ones the cuts (and so the ratio) varied by run
    const block = Buffer.alloc(256 << 10);
    for (let o = 0; o < block.length; o += 32) createHash("sha256").update(`dup${o}`).digest().copy(block, o);
    const data = Buffer.concat(Array.from({ length: 24 }, () => block));
    const { b } = await roundTrip("dups", data);
    expect(b.stats.dedupRatio).toBeGreaterThan(2.5);
    expect(b.stats.uniqueChunkBytes).toBeLessThan(data.length / 2.5);
  });

  it("generated disk image (zero/random/text/dup) round trips, and from a stream", async () => {
    const src = join(t.dir, "disk.img");
    makeImage(src, 6 << 20);
    const b = await store.backup(src);
    expect(b.stats.compressionRatio).toBeGreaterThan(1.1);
    const fromStream = await store.backup(createReadStream(src, { highWaterMark: 100_000 }));
    const m1 = await store.manifest(b.backupId);
    const m2 = await store.manifest(fromStream.backupId);
    expect(m2.ids).toEqual(m1.ids);
    expect(fromStream.stats.newChunks).toBe(0);
    const out = join(t.dir, "disk.out");
    await store.restore(fromStream.backupId, out);
    expect(sha(out)).toBe(sha(src));
  });

  it("restores byte ranges (readRange and restore with range)", async () => {
    const src = join(t.dir, "ranges.img");
    makeImage(src, 4 << 20, "ranges");
    const whole = readFileSync(src);
    const b = await store.backup(src);
    for (const [o, l] of [[0, 1], [4095, 3], [123_457, 700_000], [whole.length - 10, 100], [0, whole.length]] as const) {
      const got = await store.readRange(b.backupId, o, l);
      expect(got.equals(whole.subarray(o, o + l))).toBe(true);
    }
    const out = join(t.dir, "range.out");
    await store.restore(b.backupId, out, { range: { offset: 1_000_000, length: 1_500_000 } });
    expect(readFileSync(out).equals(whole.subarray(1_000_000, 2_500_000))).toBe(true);
  });

  it("reports progress up to the total", async () => {
    const src = join(t.dir, "progress.img");
    writeRandom(src, 3 << 20);
    const seen: Array<[number, number]> = [];
    const b = await store.backup(src, { onProgress: (d, tot) => seen.push([d, tot]) });
    expect(seen.at(-1)).toEqual([3 << 20, 3 << 20]);
    const rs: number[] = [];
    await store.restore(b.backupId, join(t.dir, "progress.out"), { onProgress: (d) => rs.push(d) });
    expect(rs.at(-1)).toBe(3 << 20);
  });
});
