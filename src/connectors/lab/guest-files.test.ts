// Lab disks holding a real ext4 file system: formatted with a tree, files put in later through
// the lab's write path (a snapshot taken before still reads the old file system, CBT records
// the blocks), and read back through the debugfs adapter.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ext4Files } from "../guest-files/ext4-files.ts";
import { MiB, type TestLab, createTestLab } from "./testing.ts";

const T0 = "2026-11-25T03:00:00.000Z";
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("lab guest files", () => {
  let t: TestLab;
  let work: string;
  beforeEach(async () => {
    t = await createTestLab();
    work = await mkdtemp(join(tmpdir(), "obr-guest-files-"));
  });
  afterEach(async () => {
    await t.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  /** The disk as an image file, read through a snapshot (what a backup would hold). */
  async function imageOf(vmId: string, snapshotId: string, diskId: string, name: string): Promise<string> {
    const reader = await t.lab.openSnapshotDisk(vmId, snapshotId, diskId);
    const path = join(work, name);
    await writeFile(path, await reader.read(0, reader.capacityBytes));
    await reader.close();
    return path;
  }

  it("formats a disk with a tree, puts files in later without touching a snapshot's view, and lists, stats and extracts them", async () => {
    const vm = await t.lab.createVm({ name: "fs-vm", disks: [{ capacityBytes: 32 * MiB }], powerOn: true });
    const disk = vm.disks[0]!;
    const log = Buffer.from("line\n".repeat(50_000));
    await t.lab.formatDisk(vm.id, disk.id, [
      { path: "/etc/hostname", data: Buffer.from("fs-vm\n"), modifiedAt: T0 },
      { path: "/etc/app.conf", data: Buffer.from("mode=prod\n"), mode: 0o600, modifiedAt: T0 },
      { path: "/var/log/app.log", data: log, modifiedAt: T0 },
      { path: "/home/alice/link", linkTarget: "../../etc/hostname" },
    ]);
    const before = await t.lab.createSnapshot(vm.id);
    await t.lab.writeGuestFiles(vm.id, disk.id, [
      { path: "/etc/app.conf", data: Buffer.from("mode=changed\n"), modifiedAt: "2026-12-01T00:00:00.000Z" },
      { path: "/srv/new/file.txt", data: Buffer.from("new\n") },
    ]);
    const after = await t.lab.createSnapshot(vm.id);
    const changed = await t.lab.changedRanges(vm.id, after.id, disk.id, before.disks[0]!.changeId);
    expect(changed.length).toBeGreaterThan(0);

    const fs = new Ext4Files();
    const old = await imageOf(vm.id, before.id, disk.id, "before.img");
    const now = await imageOf(vm.id, after.id, disk.id, "after.img");
    expect(await fs.recognises(old)).toBe(true);
    expect((await fs.list(old, "/")).map((e) => [e.name, e.type]).sort()).toEqual([
      ["etc", "directory"],
      ["home", "directory"],
      ["lost+found", "directory"],
      ["var", "directory"],
    ]);
    const [conf, link, missing] = await fs.stat(old, ["/etc/app.conf", "/home/alice/link", "/etc/none"]);
    expect(conf).toMatchObject({ type: "file", sizeInBytes: 10, mode: 0o600, modifiedAt: T0 });
    expect(link).toMatchObject({ type: "symlink", linkTarget: "../../etc/hostname" });
    expect(missing).toBeUndefined();
    await fs.extract(old, [
      { path: "/etc/app.conf", to: join(work, "old.conf") },
      { path: "/var/log/app.log", to: join(work, "app.log") },
    ]);
    expect(await readFile(join(work, "old.conf"), "utf8")).toBe("mode=prod\n");
    expect(sha(await readFile(join(work, "app.log")))).toBe(sha(log));
    const [newConf, newFile] = await fs.stat(now, ["/etc/app.conf", "/srv/new/file.txt"]);
    expect(newConf).toMatchObject({ sizeInBytes: 13, modifiedAt: "2026-12-01T00:00:00.000Z" });
    expect(newFile).toMatchObject({ type: "file", sizeInBytes: 4 });

    await expect(fs.list(old, "/etc/app.conf")).rejects.toMatchObject({ kind: "bad-argument" });
    await expect(fs.list(old, "/nowhere")).rejects.toMatchObject({ kind: "not-found" });
    const blank = join(work, "blank.img");
    await writeFile(blank, Buffer.alloc(MiB));
    expect(await fs.recognises(blank)).toBe(false);
    await expect(fs.list(blank, "/")).rejects.toMatchObject({ kind: "bad-argument" });
  });
});
