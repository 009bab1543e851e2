import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ChunkingParams } from "./chunker.ts";
import { BLOCK, chunkRegion, DEFAULT_CHUNKING, LOOKAHEAD } from "./chunker.ts";

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
