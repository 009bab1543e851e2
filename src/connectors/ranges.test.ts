import { describe, expect, it } from "vitest";
import { alignRanges, blocksToRanges, mergeRanges, rangesBytes } from "./ranges.ts";

describe("ranges", () => {
  it("merges overlapping and touching ranges", () => {
    expect(
      mergeRanges([
        { offset: 10, length: 5 },
        { offset: 0, length: 10 },
        { offset: 30, length: 0 },
        { offset: 12, length: 10 },
        { offset: 40, length: 1 },
      ]),
    ).toEqual([
      { offset: 0, length: 22 },
      { offset: 40, length: 1 },
    ]);
  });

  it("aligns to blocks and clips at capacity", () => {
    expect(alignRanges([{ offset: 5, length: 2 }, { offset: 95, length: 3 }], 10, 97)).toEqual([
      { offset: 0, length: 10 },
      { offset: 90, length: 7 },
    ]);
  });

  it("turns selected blocks into ranges", () => {
    const on = new Set([0, 1, 3, 9]);
    const r = blocksToRanges(10, 4, 38, (b) => on.has(b));
    expect(r).toEqual([
      { offset: 0, length: 8 },
      { offset: 12, length: 4 },
      { offset: 36, length: 2 },
    ]);
    expect(rangesBytes(r)).toBe(14);
  });
});
