import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DiskReader } from "../hypervisor-connector.ts";
import { incompressibleBytes, randomInt, seededRandom } from "./content.ts";
import { MiB, type TestLab, createTestLab } from "./testing.ts";

const BLOCK = 4096;
const DISK = 4 * MiB;
const BLOCKS = DISK / BLOCK;

/** A 4 KiB block stamped with the index of the write that produced it (1-based). */
function stamped(index: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  for (let at = 0; at < BLOCK; at += 4) buf.writeUInt32LE(index, at);
  return buf;
}

async function readAll(reader: DiskReader, chunk: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < reader.capacityBytes; at += chunk) parts.push(await reader.read(at, chunk));
  return Buffer.concat(parts);
}

describe("lab snapshots", () => {
  let t: TestLab;
  beforeEach(async () => {
    t = await createTestLab();
  });
  afterEach(() => t.cleanup());

  it("reads exactly the bytes at snapshot time while the VM keeps writing", async () => {
    const vm = await t.lab.createVm({ name: "busy", disks: [{ capacityBytes: DISK }] });
    const diskId = vm.disks[0]!.id;
    const before = incompressibleBytes("initial", DISK);
    await t.lab.writeDisk(vm.id, diskId, 0, before);
    const snap = await t.lab.createSnapshot(vm.id);

    const rng = seededRandom(7);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing || i < 100; i++) {
        const offset = randomInt(rng, 0, DISK - 200_000);
        await t.lab.writeDisk(vm.id, diskId, offset, incompressibleBytes(`w${i}`, randomInt(rng, 1, 200_000)));
      }
    })();
    const reader = await t.lab.openSnapshotDisk(vm.id, snap.id, diskId);
    // Odd chunk sizes cross the 64 KiB copy-on-write blocks in every possible way.
    const first = await readAll(reader, 100_003);
    const second = await readAll(reader, 65_536);
    writing = false;
    await writer;
    const third = await readAll(reader, 1_000_000);
    await reader.close();
    expect(first.equals(before)).toBe(true);
    expect(second.equals(before)).toBe(true);
    expect(third.equals(before)).toBe(true);
    expect((await t.lab.readDisk(vm.id, diskId, 0, DISK)).equals(before)).toBe(false);
  });

  it("takes a crash-consistent snapshot across disks in the middle of a write stream", async () => {
    const vm = await t.lab.createVm({ name: "db", disks: [{ capacityBytes: DISK }, { capacityBytes: DISK }] });
    const disks = vm.disks.map((d) => d.id);
    const rng = seededRandom(11);
    const log: { disk: number; block: number }[] = [];
    let completed = 0;
    const writer = (async () => {
      for (let i = 1; i <= 240; i++) {
        const entry = { disk: i % 2, block: randomInt(rng, 0, BLOCKS - 1) };
        log.push(entry);
        await t.lab.writeDisk(vm.id, disks[entry.disk]!, entry.block * BLOCK, stamped(i));
        completed = i;
      }
    })();
    while (completed < 60) await new Promise((r) => setTimeout(r, 1));
    const doneBefore = completed;
    const snap = await t.lab.createSnapshot(vm.id);
    const startedAfter = log.length;
    await writer;

    // Which write index each block of each disk shows in the snapshot (0 = never written).
    const seen: Uint32Array[] = [];
    for (const diskId of disks) {
      const reader = await t.lab.openSnapshotDisk(vm.id, snap.id, diskId);
      const data = await readAll(reader, 1 << 20);
      await reader.close();
      seen.push(Uint32Array.from({ length: BLOCKS }, (_, b) => data.readUInt32LE(b * BLOCK)));
    }
    // The snapshot must equal the state after some prefix 1..k of the writes, on both disks.
    const k = Math.max(...seen.flatMap((s) => [...s]));
    expect(k).toBeGreaterThanOrEqual(doneBefore);
    expect(k).toBeLessThanOrEqual(startedAfter);
    const expected = [new Uint32Array(BLOCKS), new Uint32Array(BLOCKS)];
    log.slice(0, k).forEach((w, i) => {
      expected[w.disk]![w.block] = i + 1;
    });
    expect(seen[0]).toEqual(expected[0]);
    expect(seen[1]).toEqual(expected[1]);
  });

  it("keeps several snapshots independent and deletes them cleanly", async () => {
    const vm = await t.lab.createVm({ name: "multi", disks: [{ capacityBytes: DISK }] });
    const diskId = vm.disks[0]!.id;
    const states: Buffer[] = [];
    const snaps = [];
    for (let i = 0; i < 3; i++) {
      await t.lab.writeDisk(vm.id, diskId, i * 100_000, incompressibleBytes(`s${i}`, 1_500_000));
      states.push(await t.lab.readDisk(vm.id, diskId, 0, DISK));
      snaps.push(await t.lab.createSnapshot(vm.id, { name: `s${i}` }));
    }
    await t.lab.writeDisk(vm.id, diskId, 0, incompressibleBytes("last", DISK));
    await t.lab.deleteSnapshot(vm.id, snaps[1]!.id);
    for (const i of [0, 2]) {
      const reader = await t.lab.openSnapshotDisk(vm.id, snaps[i]!.id, diskId);
      expect((await readAll(reader, MiB)).equals(states[i]!)).toBe(true);
      await reader.close();
    }
    expect((await t.lab.listSnapshots(vm.id)).map((s) => s.name)).toEqual(["s0", "s2"]);
    await expect(t.lab.openSnapshotDisk(vm.id, snaps[1]!.id, diskId)).rejects.toMatchObject({ kind: "not-found" });
  });

  it("refuses reads of a snapshot deleted under an open reader", async () => {
    const vm = await t.lab.createVm({ name: "gone", disks: [{ capacityBytes: DISK }] });
    const snap = await t.lab.createSnapshot(vm.id);
    const reader = await t.lab.openSnapshotDisk(vm.id, snap.id, vm.disks[0]!.id);
    await t.lab.deleteSnapshot(vm.id, snap.id);
    await expect(reader.read(0, 10)).rejects.toMatchObject({ kind: "conflict" });
    await reader.close();
  });

  it("reports allocated ranges and zero-fills reads past written data", async () => {
    const vm = await t.lab.createVm({ name: "sparse", disks: [{ capacityBytes: DISK }] });
    const diskId = vm.disks[0]!.id;
    await t.lab.writeDisk(vm.id, diskId, 70_000, Buffer.alloc(10, 7));
    const snap = await t.lab.createSnapshot(vm.id);
    const reader = await t.lab.openSnapshotDisk(vm.id, snap.id, diskId);
    expect(await reader.allocatedRanges()).toEqual([{ offset: 65_536, length: 65_536 }]);
    expect(await reader.read(DISK - 5, 100)).toEqual(Buffer.alloc(5));
    await reader.close();
  });
});
