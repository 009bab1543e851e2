import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { VirtualMachine } from "../hypervisor-connector.ts";
import type { CrashPoint } from "../../platform/crash-points.ts";
import { readJson } from "./json-file.ts";
import { type LabState, inventoryPath } from "./lab-state.ts";
import { MiB, type TestLab, createTestLab, runUntilCrash } from "./testing.ts";

// A relocation stopped dead (exit 137, in a child process) at each of its crash points is rolled forward
// by the next access to the lab: the VM names its disks on the target datastore, the files are
// there with their side files and unchanged bytes, and nothing is left on the source.

let t: TestLab;
let vm: VirtualMachine;
let ssd: { id: string; name: string };
let nfs: { id: string; name: string };

beforeEach(async () => {
  t = await createTestLab();
  const inv = await t.lab.discover();
  const byName = (name: string) => inv.datastores.find((d) => d.name === name)!;
  ssd = byName("ds-ssd-01");
  nfs = byName("ds-nfs-01");
  vm = await t.lab.createVm({ name: "mover", datastoreId: ssd.id, disks: [{ capacityBytes: 2 * MiB }, { capacityBytes: MiB }] });
  await t.lab.writeDisk(vm.id, vm.disks[0]!.id, 0, randomBytes(300_000));
  await t.lab.writeDisk(vm.id, vm.disks[1]!.id, 512 * 1024, randomBytes(100_000));
  // Leaves an (empty) snapshots folder in the VM's home: it must move too.
  await t.lab.deleteSnapshot(vm.id, (await t.lab.createSnapshot(vm.id)).id);
});
afterEach(() => t.cleanup());

const datastoreDir = (name: string) => join(t.lab.labDir, "datastores", name);

/** Every file of the VM's home on `datastore`, name -> sha256 (lock files excluded). */
async function hashes(datastore: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const home of await readdir(datastoreDir(datastore)).catch(() => [])) {
    for (const entry of await readdir(join(datastoreDir(datastore), home), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || entry.name.endsWith(".lock")) continue;
      const path = join(entry.parentPath, entry.name);
      out[path.slice(datastoreDir(datastore).length)] = createHash("sha256").update(await readFile(path)).digest("hex");
    }
  }
  return out;
}

const rawState = async () => (await readJson<LabState>(inventoryPath(t.lab.labDir)))!;

const relocateAndCrash = (point: CrashPoint) =>
  runUntilCrash(t, point, `await lab.relocateVm(${JSON.stringify(vm.id)}, { datastoreId: ${JSON.stringify(nfs.id)} });`);

describe("a relocation killed part-way", () => {
  const points: [CrashPoint, "source" | "both" | "target"][] = [
    ["lab.relocate.after-journal", "source"],
    ["lab.relocate.mid-move", "both"],
    ["lab.relocate.after-move", "target"],
  ];
  for (const [point, filesAt] of points) {
    it(`is rolled forward by the next reader after dying at ${point}`, async () => {
      const before = await hashes("ds-ssd-01");
      expect(Object.keys(before).length).toBeGreaterThanOrEqual(6); // 2 disks x (raw, .cbt, .state.json)
      expect(await relocateAndCrash(point)).toBe(137);

      // The crash left the journal and the files where that point puts them.
      const left = await rawState();
      expect(left.vms[0]!.relocation).toMatchObject({ datastoreId: nfs.id });
      expect(left.vms[0]!.disks[0]!.datastoreId).toBe(ssd.id);
      const [onSource, onTarget] = [Object.keys(await hashes("ds-ssd-01")).length, Object.keys(await hashes("ds-nfs-01")).length];
      expect({ source: onSource > 0, target: onTarget > 0 }).toEqual({ source: filesAt !== "target", target: filesAt !== "source" });

      const moved = await t.lab.getVm(vm.id);
      expect(moved.datastoreIds).toEqual([nfs.id]);
      expect(moved.disks.map((d) => d.filePath)).toEqual(vm.disks.map((d) => d.filePath.replace("[ds-ssd-01]", "[ds-nfs-01]")));
      expect(await readdir(datastoreDir("ds-ssd-01"))).toEqual([]);
      expect(await hashes("ds-nfs-01")).toEqual(before);
      const state = await rawState();
      expect(state.vms[0]!.relocation).toBeUndefined();
      for (const disk of state.vms[0]!.disks) expect(disk.file.startsWith("datastores/ds-nfs-01/")).toBe(true);
      // The moved disks still work: written, snapshotted and read through their new paths.
      await t.lab.writeDisk(vm.id, vm.disks[1]!.id, 0, Buffer.from("after the move"));
      const snap = await t.lab.createSnapshot(vm.id);
      const reader = await t.lab.openSnapshotDisk(vm.id, snap.id, vm.disks[1]!.id);
      expect((await reader.read(0, 14)).toString()).toBe("after the move");
      await reader.close();
    });
  }

  it("is rolled forward by the next operation on the lab, which then applies", async () => {
    expect(await relocateAndCrash("lab.relocate.mid-move")).toBe(137);
    expect(await t.lab.powerVm(vm.id, "powerOn")).toMatchObject({ powerState: "poweredOn", datastoreIds: [nfs.id] });
    expect((await rawState()).vms[0]!.relocation).toBeUndefined();
    expect(await readdir(datastoreDir("ds-ssd-01"))).toEqual([]);
  });
});

it("refuses (409) a move onto a datastore that already holds the VM's directory name, changing nothing", async () => {
  const home = (await rawState()).vms[0]!.dir.split("/").at(-1)!;
  await mkdir(datastoreDir("ds-nfs-01"), { recursive: true });
  await writeFile(join(datastoreDir("ds-nfs-01"), home), "someone else's file");
  const before = await hashes("ds-ssd-01");
  await expect(t.lab.relocateVm(vm.id, { datastoreId: nfs.id })).rejects.toMatchObject({ kind: "conflict" });
  expect(await t.lab.getVm(vm.id)).toEqual(vm);
  expect(await hashes("ds-ssd-01")).toEqual(before);
  expect((await rawState()).vms[0]!.relocation).toBeUndefined();
});
