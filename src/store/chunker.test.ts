import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ChunkingParams } from "./chunker.ts";
import { BLOCK, chunkRegion, DEFAULT_CHUNKING, LOOKAHEAD, ZERO_RUN_BLOCKS, zeroRuns } from "./chunker.ts";

function image(): Buffer {
  // data, a long zero run, a short zero run (stays data), data
  const b = randomBytes(6 << 20);
  b.fill(0, 1 << 20, (1 << 20) + (512 << 10));
  b.fill(0, 3 << 20, (3 << 20) + 8 * BLOCK);
  return b;
}

describe("canonical chunking", () => {
  const buf = image();
  for (const p of [DEFAULT_CHUNKING, { kind: "fixed", size: 256 << 10 } as ChunkingParams]) {
    it(`${p.kind}: covers the buffer, finds zero runs, and restarts identically at any cut`, () => {
      const { cuts } = chunkRegion(buf, 0, 0, true, p);
      let pos = 0;
      for (const c of cuts) {
        expect(c.off).toBe(pos);
        pos += c.len;
      }
      expect(pos).toBe(buf.length);
      const zeros = cuts.filter((c) => c.zero);
      expect(zeros).toHaveLength(1);
      expect(zeros[0]).toMatchObject({ off: 1 << 20, len: 512 << 10 });
      for (const k of [1, 3, 7, Math.floor(cuts.length / 2)]) {
        const from = cuts[k]?.off as number;
        const base = from - (from % BLOCK);
        const again = chunkRegion(buf.subarray(base), base, from, true, p).cuts;
        expect(again).toEqual(cuts.slice(k));
      }
    });
  }

  it("zero runs: every run of at least ZERO_RUN_BLOCKS all-zero blocks is found with its exact length, nothing shorter counts", () => {
    // blocks zero or not in runs of every length around the threshold, at every alignment,
    // some blocks non-zero only in their last byte, and a partial block at the end
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const blocks: boolean[] = [];
    while (blocks.length < 3000) {
      const zero = blocks.length % 2 === 0;
      const len = zero ? [1, 14, 15, 16, 17, 31, 32, 33, 47, 200][rand(10)] as number : 1 + rand(20);
      for (let i = 0; i < len; i++) blocks.push(zero);
    }
    const buf = Buffer.alloc(blocks.length * BLOCK - 100);
    blocks.forEach((zero, b) => {
      if (!zero && b * BLOCK < buf.length) buf[Math.min(buf.length - 1, b * BLOCK + (b % 3 === 0 ? BLOCK - 1 : rand(BLOCK)))] = 1 + rand(255);
    });
    const run = zeroRuns(buf);
    const n = Math.ceil(buf.length / BLOCK);
    let exact = 0;
    for (let b = n - 1; b >= 0; b--) {
      const s = b * BLOCK;
      exact = buf.subarray(s, Math.min(buf.length, s + BLOCK)).every((x) => x === 0) ? exact + 1 : 0;
      if (exact >= ZERO_RUN_BLOCKS) expect(run[b], `block ${b}`).toBe(exact);
      else expect(run[b], `block ${b}`).toBeLessThan(ZERO_RUN_BLOCKS);
    }
  });

  it("a non-final window returns only cuts whose lookahead it holds", () => {
    const all = chunkRegion(buf, 0, 0, true, DEFAULT_CHUNKING).cuts;
    const end = 2 << 20;
    const { cuts, next } = chunkRegion(buf.subarray(0, end), 0, 0, false, DEFAULT_CHUNKING);
    expect(cuts).toEqual(all.slice(0, cuts.length));
    expect(next + LOOKAHEAD).toBeLessThanOrEqual(end + (all[cuts.length]?.len ?? 0));
    expect(cuts.every((c) => c.off + c.len + LOOKAHEAD <= end)).toBe(true);
  });

  it("CDC chunk sizes stay within bounds and average near 256 KiB", () => {
    const cuts = chunkRegion(randomBytes(32 << 20), 0, 0, true, DEFAULT_CHUNKING).cuts;
    const lens = cuts.slice(0, -1).map((c) => c.len);
    expect(Math.min(...lens)).toBeGreaterThanOrEqual(64 << 10);
    expect(Math.max(...lens)).toBeLessThanOrEqual(1 << 20);
    const avg = lens.reduce((a, b) => a + b, 0) / lens.length;
    expect(avg).toBeGreaterThan(180 << 10);
    expect(avg).toBeLessThan(400 << 10);
  });
});
