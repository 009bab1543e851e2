import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { alignRanges, rangesBytes } from "../ranges.ts";
import { GUEST_BLOCK_SIZE, formatChurnResult, planChurn } from "./churn.ts";
import { BLOCK_SIZE } from "./disk-files.ts";
import { MiB, type TestLab, createTestLab } from "./testing.ts";

describe("churn plan", () => {
  it("covers the requested share in 4 KiB-aligned, merged, clustered runs, deterministically", () => {
    const capacity = 64 * MiB;
    const ranges = planChurn(capacity, { percent: 3, runMeanBlocks: 16 }, 42);
    const blocks = capacity / GUEST_BLOCK_SIZE;
    expect(rangesBytes(ranges)).toBe(Math.round(blocks * 0.03) * GUEST_BLOCK_SIZE);
    for (const [i, r] of ranges.entries()) {
      expect(r.offset % GUEST_BLOCK_SIZE).toBe(0);
      expect(r.length % GUEST_BLOCK_SIZE).toBe(0);
      expect(r.offset + r.length).toBeLessThanOrEqual(capacity);
      if (i > 0) expect(r.offset).toBeGreaterThan(ranges[i - 1]!.offset + ranges[i - 1]!.length);
    }
    expect(planChurn(capacity, { percent: 3, runMeanBlocks: 16 }, 42)).toEqual(ranges);
    // Clustered: far fewer 64 KiB blocks are touched than if the same bytes were spread at random.
    expect(rangesBytes(alignRanges(ranges, BLOCK_SIZE, capacity))).toBeLessThan(capacity * 0.2);
  });

  it("rejects bad options", () => {
    expect(() => planChurn(MiB, { percent: 0 }, 1)).toThrow(/percent/);
    expect(() => planChurn(MiB, { percent: 101 }, 1)).toThrow(/percent/);
    expect(() => planChurn(MiB, { percent: 5, runMeanBlocks: 0 }, 1)).toThrow(/runMeanBlocks/);
  });
});

describe("changed-block tracking", () => {
  let t: TestLab;
  beforeEach(async () => {
    t = await createTestLab();
  });
  afterEach(() => t.cleanup());

  it("reports between two snapshots exactly what churn wrote, at 64 KiB granularity", async () => {
    const vm = await t.lab.createVm({ name: "churny", disks: [{ capacityBytes: 8 * MiB }, { capacityBytes: 6 * MiB + 12_288 }] });
    await t.lab.churn(vm.id, { percent: 50, seed: 1 }); // history before A must not leak into A..B
    const a = await t.lab.createSnapshot(vm.id);
    const result = await t.lab.churn(vm.id, { percent: 3, runMeanBlocks: 8, seed: 99 });
    const b = await t.lab.createSnapshot(vm.id);
    expect(t.lab.changeBlockSize).toBe(BLOCK_SIZE);
    expect(formatChurnResult(result)).toMatch(/rewrote \d+ bytes \([23]\.\d\d%\) in \d+ extents \(seed 99\)/);
    for (const [i, disk] of vm.disks.entries()) {
      const written = result.disks.find((d) => d.diskId === disk.id)!;
      expect(written.bytesWritten).toBeGreaterThan(0);
      const since = a.disks[i]!.changeId;
      const changed = await t.lab.changedRanges(vm.id, b.id, disk.id, since);
      expect(changed).toEqual(alignRanges(written.ranges, BLOCK_SIZE, disk.capacityBytes));
      // Nothing changed between B and itself; A's own history is all blocks written before A.
      expect(await t.lab.changedRanges(vm.id, b.id, disk.id, b.disks[i]!.changeId)).toEqual([]);
    }
  });

  it("keeps working after the base snapshot is deleted (changeIds outlive snapshots)", async () => {
    const vm = await t.lab.createVm({ name: "chain", disks: [{ capacityBytes: 4 * MiB }] });
    const diskId = vm.disks[0]!.id;
    const a = await t.lab.createSnapshot(vm.id);
    await t.lab.deleteSnapshot(vm.id, a.id);
    await t.lab.writeDisk(vm.id, diskId, 200_000, Buffer.alloc(1000, 1));
    await t.lab.writeDisk(vm.id, diskId, 3 * MiB, Buffer.alloc(70_000, 2));
    const b = await t.lab.createSnapshot(vm.id);
    await t.lab.writeDisk(vm.id, diskId, 0, Buffer.alloc(10, 3)); // after B: not reported for B
    expect(await t.lab.changedRanges(vm.id, b.id, diskId, a.disks[0]!.changeId)).toEqual([
      { offset: 196_608, length: 65_536 },
      { offset: 3 * MiB, length: 131_072 },
    ]);
    // A full backup (no base) sees every written block as of B.
    expect(await t.lab.changedRanges(vm.id, b.id, diskId, null)).toHaveLength(2);
  });

  it("rejects a changeId of another disk or from the future with 412", async () => {
    const vm = await t.lab.createVm({ name: "ids", disks: [{ capacityBytes: MiB }, { capacityBytes: MiB }] });
    const a = await t.lab.createSnapshot(vm.id);
    const b = await t.lab.createSnapshot(vm.id);
    const [d0, d1] = vm.disks.map((d) => d.id);
    await expect(t.lab.changedRanges(vm.id, b.id, d0!, b.disks[1]!.changeId)).rejects.toMatchObject({ kind: "precondition" });
    await expect(t.lab.changedRanges(vm.id, a.id, d1!, b.disks[1]!.changeId)).rejects.toMatchObject({ kind: "precondition" });
    await expect(t.lab.changedRanges(vm.id, a.id, d1!, "garbage")).rejects.toMatchObject({ kind: "precondition" });
  });
});
