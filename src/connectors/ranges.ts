import type { ChangedRange } from "./hypervisor-connector.ts";

/** Sorts and merges overlapping or touching ranges; drops empty ones. */
export function mergeRanges(ranges: readonly ChangedRange[]): ChangedRange[] {
  const sorted = ranges.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  const out: ChangedRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.offset <= last.offset + last.length) {
      last.length = Math.max(last.length, r.offset + r.length - last.offset);
    } else {
      out.push({ offset: r.offset, length: r.length });
    }
  }
  return out;
}

/** Widens ranges to whole `blockSize` blocks, clipped at `capacity`, merged. */
export function alignRanges(ranges: readonly ChangedRange[], blockSize: number, capacity: number): ChangedRange[] {
  const widened = ranges
    .filter((r) => r.length > 0)
    .map((r) => {
      const start = Math.floor(r.offset / blockSize) * blockSize;
      const end = Math.min(capacity, Math.ceil((r.offset + r.length) / blockSize) * blockSize);
      return { offset: start, length: end - start };
    });
  return mergeRanges(widened);
}

/** Turns the blocks for which `selected(i)` holds into merged byte ranges clipped at `capacity`. */
export function blocksToRanges(
  blockCount: number,
  blockSize: number,
  capacity: number,
  selected: (block: number) => boolean,
): ChangedRange[] {
  const out: ChangedRange[] = [];
  let start = -1;
  for (let i = 0; i <= blockCount; i++) {
    const on = i < blockCount && selected(i);
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      const offset = start * blockSize;
      out.push({ offset, length: Math.min(capacity, i * blockSize) - offset });
      start = -1;
    }
  }
  return out;
}

/** Total bytes covered by merged ranges. */
export function rangesBytes(ranges: readonly ChangedRange[]): number {
  return ranges.reduce((sum, r) => sum + r.length, 0);
}
