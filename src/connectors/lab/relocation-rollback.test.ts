import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { readJson } from "./json-file.ts";
import { type LabState, inventoryPath } from "./lab-state.ts";
import { MiB, type TestLab, createTestLab } from "./testing.ts";

// A relocation that fails while the process lives (here: the filesystem refuses to move one file) puts the files it moved back and drops its journal: the operation fails, nothing changed.

const failing = vi.hoisted(() => ({ path: "" }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...fs,
    rename: (from: string, to: string) =>
      from === failing.path ? Promise.reject(Object.assign(new Error("EIO: simulated"), { code: "EIO" })) : fs.rename(from, to),
  };
});

let t: TestLab;
beforeEach(async () => {
  t = await createTestLab();
});
afterEach(async () => {
  failing.path = "";
  await t.cleanup();
});

it("puts the moved files back and drops the journal when a move fails in a live process", async () => {
  const inv = await t.lab.discover();
  const [ssd, nfs] = ["ds-ssd-01", "ds-nfs-01"].map((n) => inv.datastores.find((d) => d.name === n)!);
  const vm = await t.lab.createVm({ name: "stuck", datastoreId: ssd!.id, disks: [{ capacityBytes: MiB }, { capacityBytes: MiB }, { capacityBytes: MiB }] });
  await t.lab.writeDisk(vm.id, vm.disks[2]!.id, 0, Buffer.from("kept"));
  const home = join(t.lab.labDir, "datastores", "ds-ssd-01", (await readdir(join(t.lab.labDir, "datastores", "ds-ssd-01")))[0]!);
  const files = (await readdir(home)).sort();
  // The last entry in the order the move visits them: every other one has moved when it fails.
  failing.path = join(home, (await readdir(home)).at(-1)!);
  expect(files.length).toBeGreaterThan(3);
  await expect(t.lab.relocateVm(vm.id, { datastoreId: nfs!.id })).rejects.toThrow("EIO");
  expect(await t.lab.getVm(vm.id)).toEqual(vm);
  expect((await readdir(home)).sort()).toEqual(files);
  expect(await readdir(join(t.lab.labDir, "datastores", "ds-nfs-01")).catch(() => [])).toEqual([]);
  expect((await readJson<LabState>(inventoryPath(t.lab.labDir)))!.vms[0]!.relocation).toBeUndefined();
  expect((await t.lab.readDisk(vm.id, vm.disks[2]!.id, 0, 4)).toString()).toBe("kept");
  // Once the filesystem cooperates, the same move goes through.
  failing.path = "";
  expect((await t.lab.relocateVm(vm.id, { datastoreId: nfs!.id })).datastoreIds).toEqual([nfs!.id]);
});
