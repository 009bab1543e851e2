import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DiskReader } from "../hypervisor-connector.ts";
import { incompressibleBytes } from "./content.ts";
import { openSnapshotReader, snapshotChangedRanges, takeDiskSnapshots } from "./disk-snapshot.ts";
import { createDisk, writeDisk } from "./lab-disk.ts";

const MiB = 1024 * 1024;

async function readAll(reader: DiskReader): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < reader.capacityBytes; at += 300_001) parts.push(await reader.read(at, 300_001));
  return Buffer.concat(parts);
}

describe("lab disk engine", () => {
  let dir: string;
  let disk: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "obr-disk-test-"));
    disk = join(dir, "disk.raw");
    await createDisk(disk, 4 * MiB);
    await mkdir(join(dir, "snap"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("keeps a snapshot intact while another process writes the disk", async () => {
    const before = incompressibleBytes("before", 4 * MiB);
    await writeDisk(disk, 0, before);
    await takeDiskSnapshots("s1", [{ disk, base: join(dir, "snap", "d") }]);
    const script = join(dir, "writer.ts");
    const engine = pathToFileURL(join(import.meta.dirname, "lab-disk.ts")).href;
    await writeFile(
      script,
      `import { writeDisk } from ${JSON.stringify(engine)};
       for (let i = 0; i < 80; i++) {
         const offset = (i * 7919 * 4096) % (4 * 1024 * 1024 - 200000);
         await writeDisk(${JSON.stringify(disk)}, offset, Buffer.alloc(150000 + i, i % 251));
       }`,
    );
    const child = spawn(process.execPath, [script], { stdio: "inherit" });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    const reader = await openSnapshotReader(disk, join(dir, "snap", "d"));
    let reads = 0;
    do {
      expect((await readAll(reader)).equals(before)).toBe(true);
      reads++;
    } while (running);
    expect(await exited).toBe(0);
    expect((await readAll(reader)).equals(before)).toBe(true);
    await reader.close();
    expect(reads).toBeGreaterThan(0);
    const changed = await snapshotChangedRanges(join(dir, "snap", "d"), null);
    expect(changed).toEqual([{ offset: 0, length: 4 * MiB }]);
  });

  it("serves clone-based snapshots where the filesystem can clone (reflink path)", async () => {
    await writeDisk(disk, MiB, Buffer.alloc(100, 1));
    const clone = async (src: string, dest: string) => {
      await copyFile(src, dest); // stands in for a reflink on filesystems without one
      return true;
    };
    const base = join(dir, "snap", "r");
    const [changeId] = await takeDiskSnapshots("r1", [{ disk, base }], clone);
    await writeDisk(disk, MiB, Buffer.alloc(100, 2));
    const reader = await openSnapshotReader(disk, base);
    const data = await reader.read(MiB, 200);
    expect(data.subarray(0, 100).equals(Buffer.alloc(100, 1))).toBe(true);
    expect(await reader.allocatedRanges()).toEqual([{ offset: MiB, length: 65_536 }]);
    await reader.close();
    const base2 = join(dir, "snap", "r2");
    await takeDiskSnapshots("r2", [{ disk, base: base2 }], clone);
    expect(await snapshotChangedRanges(base2, changeId!)).toEqual([{ offset: MiB, length: 65_536 }]);
  });

  it("reads a snapshot into the caller's buffer: old blocks from the copy-on-write delta, zeros past the end", async () => {
    const before = incompressibleBytes("before", 4 * MiB);
    await writeDisk(disk, 0, before);
    await takeDiskSnapshots("s1", [{ disk, base: join(dir, "snap", "d") }]);
    await writeDisk(disk, 3 * MiB + 1000, Buffer.alloc(200_000, 7)); // straddles two 64 KiB blocks and more
    const reader = await openSnapshotReader(disk, join(dir, "snap", "d"));
    const into = Buffer.alloc(2 * MiB, 0xee); // old contents must not survive
    await reader.readInto(into, 3 * MiB);
    expect(into.subarray(0, MiB).equals(before.subarray(3 * MiB))).toBe(true);
    expect(into.subarray(MiB).equals(Buffer.alloc(MiB))).toBe(true);
    await reader.close();
  });

  it("rejects writes outside the disk", async () => {
    await expect(writeDisk(disk, 4 * MiB - 10, Buffer.alloc(11))).rejects.toMatchObject({ kind: "bad-argument" });
    await expect(writeDisk(disk, -1, Buffer.alloc(1))).rejects.toMatchObject({ kind: "bad-argument" });
  });
});
