import { execFileSync } from "node:child_process";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { incompressibleBytes } from "./content.ts";
import { MiB, type TestLab, createTestLab } from "./testing.ts";

const hasQemuImg = (() => {
  try {
    execFileSync("qemu-img", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A raw image with data, a zero gap and a tail that ends inside a 64 KiB block, so sparseness and
 * exact size both matter (whole 512-byte sectors, as import-vm requires).
 */
function sampleImage(): Buffer {
  const image = Buffer.alloc(5 * MiB + 6 * 512);
  incompressibleBytes("head", MiB).copy(image, 0);
  Buffer.from("compressible ".repeat(20_000)).copy(image, 3 * MiB + 123);
  incompressibleBytes("tail", 3000).copy(image, 5 * MiB);
  return image;
}

describe("import-vm", () => {
  let t: TestLab;
  beforeEach(async () => {
    t = await createTestLab();
  });
  afterEach(() => t.cleanup());

  it("turns a raw image into a lab VM keeping its bytes, size and holes", async () => {
    const image = sampleImage();
    const path = join(t.root, "appliance.raw");
    await writeFile(path, image);
    const vm = await t.lab.importVm({ diskPath: path, datastore: "ds-nfs-01" });
    expect(vm.name).toBe("appliance");
    expect(vm.disks).toHaveLength(1);
    const disk = vm.disks[0]!;
    expect(disk.capacityBytes).toBe(image.length);
    expect(disk.filePath.startsWith("[ds-nfs-01]")).toBe(true);
    expect((await t.lab.readDisk(vm.id, disk.id, 0, image.length)).equals(image)).toBe(true);

    const snap = await t.lab.createSnapshot(vm.id);
    const reader = await t.lab.openSnapshotDisk(vm.id, snap.id, disk.id);
    expect((await reader.read(0, image.length)).equals(image)).toBe(true);
    // Only the non-zero 64 KiB blocks were written: the 2 MiB zero gap stayed a hole.
    const allocated = await reader.allocatedRanges();
    await reader.close();
    expect(allocated[0]).toEqual({ offset: 0, length: MiB });
    expect(allocated.reduce((s, r) => s + r.length, 0)).toBeLessThan(2 * MiB);
    const dsDir = join(t.lab.labDir, "datastores", "ds-nfs-01");
    const file = join(dsDir, disk.filePath.split("] ")[1]!);
    expect((await stat(file)).blocks * 512).toBeLessThan(3 * MiB);
  });

  it("imports several images as the disks of one VM", async () => {
    const a = join(t.root, "a.img");
    const b = join(t.root, "b.img");
    await writeFile(a, incompressibleBytes("a", MiB));
    await writeFile(b, incompressibleBytes("b", 2 * MiB));
    const vm = await t.lab.importVm({ name: "two-disks", diskPath: [a, b] });
    expect(vm.disks.map((d) => d.capacityBytes)).toEqual([MiB, 2 * MiB]);
    expect((await t.lab.readDisk(vm.id, vm.disks[1]!.id, 0, 2 * MiB)).equals(incompressibleBytes("b", 2 * MiB))).toBe(true);
  });

  it("rejects missing images, unknown datastores and qcow2 without qemu-img", async () => {
    await expect(t.lab.importVm({ diskPath: join(t.root, "nope.raw") })).rejects.toMatchObject({ kind: "bad-argument" });
    const raw = join(t.root, "x.raw");
    await writeFile(raw, Buffer.alloc(4096, 1));
    await expect(t.lab.importVm({ diskPath: raw, datastore: "nope" })).rejects.toMatchObject({ kind: "bad-argument" });
    // A qcow2 header is recognised even under a .raw name.
    const qcow = join(t.root, "disguised.raw");
    await writeFile(qcow, Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb]), Buffer.alloc(1020)]));
    const emptyBin = join(t.root, "empty-bin");
    await mkdir(emptyBin);
    const savedPath = process.env.PATH;
    process.env.PATH = emptyBin;
    try {
      await expect(t.lab.importVm({ diskPath: qcow })).rejects.toMatchObject({
        kind: "bad-argument",
        message: expect.stringMatching(/qemu-img is not installed/),
      });
    } finally {
      process.env.PATH = savedPath;
    }
    expect((await t.lab.discover()).vms).toEqual([]);
  });

  it.skipIf(!hasQemuImg)("imports a qcow2 image through qemu-img", async () => {
    const raw = join(t.root, "src.raw");
    const image = sampleImage();
    await writeFile(raw, image);
    const qcow = join(t.root, "disk.qcow2");
    execFileSync("qemu-img", ["convert", "-O", "qcow2", raw, qcow]);
    const vm = await t.lab.importVm({ diskPath: qcow });
    expect((await t.lab.readDisk(vm.id, vm.disks[0]!.id, 0, image.length)).equals(image)).toBe(true);
  });
});
