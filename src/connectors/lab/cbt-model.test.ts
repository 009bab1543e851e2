import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cases, seed, timeLimit } from "../../../test/helpers/tiers.ts";
import type { ChangedRange } from "../hypervisor-connector.ts";
import { alignRanges } from "../ranges.ts";
import { BLOCK_SIZE } from "./disk-files.ts";
import { dropDiskSnapshot, openSnapshotReader, snapshotChangedRanges, takeDiskSnapshots } from "./disk-snapshot.ts";
import { LabDiskWriter, createDisk } from "./lab-disk.ts";

// Model check: random interleavings of writes, zeroing, snapshots and snapshot deletions against an
// in-memory disk. Every live snapshot must read back its moment's bytes, and the changed ranges
// between any two snapshots must be exactly the 64 KiB blocks written in between. One writer stays
// open across the whole sequence, as a restore's does, so snapshots come and go between its writes.

const CAPACITY = 5 * BLOCK_SIZE + 1000; // a partial last block on purpose

type Op =
  | { kind: "write"; offset: number; length: number; fill: number }
  | { kind: "zero"; offset: number; length: number }
  | { kind: "snapshot" }
  | { kind: "drop"; pick: number };

const range = fc
  .tuple(fc.integer({ min: 0, max: CAPACITY - 1 }), fc.integer({ min: 1, max: 2 * BLOCK_SIZE }))
  .map(([offset, length]) => ({ offset, length: Math.min(length, CAPACITY - offset) }));
const op: fc.Arbitrary<Op> = fc.oneof(
  range.chain((r) => fc.integer({ min: 1, max: 255 }).map((fill) => ({ kind: "write" as const, ...r, fill }))),
  range.map((r) => ({ kind: "zero" as const, ...r })),
  fc.constant({ kind: "snapshot" as const }),
  fc.nat().map((pick) => ({ kind: "drop" as const, pick })),
);

/** The 64 KiB block numbers the ranges touch. */
function blocks(ranges: readonly ChangedRange[]): Set<number> {
  const out = new Set<number>();
  for (const r of ranges) {
    for (let b = Math.floor(r.offset / BLOCK_SIZE); b <= Math.floor((r.offset + r.length - 1) / BLOCK_SIZE); b++) out.add(b);
  }
  return out;
}

describe("CBT and copy-on-write against a model", () => {
  it("agree for random operation sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const dir = await mkdtemp(join(tmpdir(), "obr-cbt-model-"));
        const disk = join(dir, "d.raw");
        const writer = new LabDiskWriter(disk);
        try {
          await createDisk(disk, CAPACITY);
          await mkdir(join(dir, "s"));
          const model = Buffer.alloc(CAPACITY);
          // Ranges written so far, in order; zeroing is marked, as it may skip never-written blocks.
          const written: (ChangedRange & { zero: boolean })[] = [];
          const snaps: { id: string; base: string; image: Buffer; changeId: string; mark: number }[] = [];
          for (const [i, o] of ops.entries()) {
            if (o.kind === "write") {
              await writer.write(o.offset, Buffer.alloc(o.length, o.fill));
              model.fill(o.fill, o.offset, o.offset + o.length);
              written.push({ offset: o.offset, length: o.length, zero: false });
            } else if (o.kind === "zero") {
              await writer.zero(o.offset, o.length);
              model.fill(0, o.offset, o.offset + o.length);
              written.push({ offset: o.offset, length: o.length, zero: true });
            } else if (o.kind === "snapshot") {
              const base = join(dir, "s", `snap${i}`);
              const [changeId] = await takeDiskSnapshots(`snap${i}`, [{ disk, base }]);
              snaps.push({ id: `snap${i}`, base, image: Buffer.from(model), changeId: changeId!, mark: written.length });
            } else if (snaps.length > 0) {
              const [gone] = snaps.splice(o.pick % snaps.length, 1);
              await dropDiskSnapshot(disk, gone!.base, gone!.id);
            }
          }
          for (const [i, s] of snaps.entries()) {
            const reader = await openSnapshotReader(disk, s.base);
            expect((await reader.read(0, CAPACITY)).equals(s.image)).toBe(true);
            await reader.close();
            const later = snaps[i + 1];
            if (!later) continue;
            const between = written.slice(s.mark, later.mark);
            const changed = blocks(await snapshotChangedRanges(later.base, s.changeId));
            // Exactly the written blocks, plus at most the blocks zeroing touched.
            const mustHave = blocks(between.filter((w) => !w.zero));
            const mayHave = blocks(between);
            for (const b of mustHave) expect(changed.has(b)).toBe(true);
            for (const b of changed) expect(mayHave.has(b)).toBe(true);
            if (between.every((w) => !w.zero)) {
              expect(await snapshotChangedRanges(later.base, s.changeId)).toEqual(alignRanges(between, BLOCK_SIZE, CAPACITY));
            }
          }
        } finally {
          await writer.close();
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: cases(15, 300), seed },
    );
  }, timeLimit(120_000));
});
