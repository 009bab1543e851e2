import { spawn } from "node:child_process";
import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../connector-error.ts";
import { LabConnector } from "./lab-connector.ts";
import { MiB, type TestLab, createTestLab } from "./testing.ts";

describe("lab connector", () => {
  let t: TestLab;
  beforeEach(async () => {
    t = await createTestLab();
  });
  afterEach(() => t.cleanup());

  it("creates a VM with sparse disks placed in the inventory, and deletes it with its files", async () => {
    const inv = await t.lab.discover();
    const ds = inv.datastores[1]!;
    const vm = await t.lab.createVm({
      name: "new-vm",
      datastoreId: ds.id,
      guest: { family: "linux", osName: "Ubuntu Linux (64-bit)" },
      disks: [{ capacityBytes: 8 * MiB }, { capacityBytes: 2 * MiB, datastoreId: inv.datastores[0]!.id }],
    });
    expect(vm).toMatchObject({ name: "new-vm", powerState: "poweredOff", changeTrackingEnabled: true });
    expect(vm.disks.map((d) => [d.label, d.capacityBytes, d.datastoreId])).toEqual([
      ["Hard disk 1", 8 * MiB, ds.id],
      ["Hard disk 2", 2 * MiB, inv.datastores[0]!.id],
    ]);
    expect(vm.disks[0]!.filePath).toMatch(/^\[ds-nfs-01\] new-vm_[0-9a-f]{8}\/new-vm\.raw$/);
    expect(vm.datastoreIds.sort()).toEqual([inv.datastores[0]!.id, ds.id].sort());
    expect(inv.hosts.map((h) => h.id)).toContain(vm.hostId);
    expect(inv.clusters[0]!.id).toBe(vm.clusterId);
    expect(inv.folders.find((f) => f.id === vm.folderId)?.type).toBe("VM");
    expect(inv.resourcePools.map((p) => p.id)).toContain(vm.resourcePoolId);
    expect(vm.networkAdapters[0]).toMatchObject({ label: "Network adapter 1", macAddressType: "automatic" });
    expect(vm.networkAdapters[0]!.macAddress).toMatch(/^00:50:56(:[0-9a-f]{2}){3}$/);

    const dsDir = join(t.lab.labDir, "datastores", "ds-nfs-01");
    const [vmDir] = await readdir(dsDir);
    const file = await stat(join(dsDir, vmDir!, "new-vm.raw"));
    expect(file.size).toBe(8 * MiB);
    expect(file.blocks * 512).toBeLessThan(MiB);

    expect((await t.lab.resolveVm("new-vm")).id).toBe(vm.id);
    expect((await t.lab.resolveVm(vm.id)).name).toBe("new-vm");
    await expect(t.lab.createVm({ name: "new-vm", disks: [{ capacityBytes: MiB }] })).rejects.toMatchObject({ kind: "conflict" });
    await t.lab.createSnapshot(vm.id);
    await t.lab.deleteVm(vm.id);
    expect(await readdir(dsDir)).toEqual([]);
    expect((await t.lab.discover()).vms).toEqual([]);
    await expect(t.lab.getVm(vm.id)).rejects.toMatchObject({ kind: "not-found" });
  });

  it("fails with its own ConnectorError, by kind: unknown VM, wrong power state, bad name", async () => {
    const vm = await t.lab.createVm({ name: "kinds", disks: [{ capacityBytes: MiB }] });
    const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);
    const unknown = await failure(t.lab.getVm("vm-missing"));
    expect(unknown).toBeInstanceOf(ConnectorError);
    expect(unknown).toMatchObject({ kind: "not-found", message: "virtual machine vm-missing not found" });
    const off = await failure(t.lab.powerVm(vm.id, "powerOff"));
    expect(off).toBeInstanceOf(ConnectorError);
    expect(off).toMatchObject({ kind: "conflict", message: "cannot powerOff virtual machine kinds: it is poweredOff" });
    const badName = await failure(t.lab.createVm({ name: "", disks: [{ capacityBytes: MiB }] }));
    expect(badName).toBeInstanceOf(ConnectorError);
    expect(badName).toMatchObject({ kind: "bad-argument" });
  });

  it("rejects bad specs", async () => {
    await expect(t.lab.createVm({ name: "", disks: [{ capacityBytes: MiB }] })).rejects.toMatchObject({ kind: "bad-argument" });
    await expect(t.lab.createVm({ name: "x", disks: [] })).rejects.toMatchObject({ kind: "bad-argument" });
    await expect(t.lab.createVm({ name: "x", disks: [{ capacityBytes: -1 }] })).rejects.toMatchObject({ kind: "bad-argument" });
    await expect(t.lab.createVm({ name: "x", hostId: "nope", disks: [{ capacityBytes: 1 }] })).rejects.toMatchObject({ kind: "bad-argument" });
  });

  it("applies power operations with vCenter's rules and reports guest identity only while running", async () => {
    const vm = await t.lab.createVm({ name: "pwr", guest: { family: "linux", osName: "Linux", hostname: "pwr.lab" }, disks: [{ capacityBytes: MiB }] });
    expect(vm.guest).toMatchObject({ hostname: null, ipAddress: null, toolsStatus: "notRunning" });
    await expect(t.lab.powerVm(vm.id, "powerOff")).rejects.toMatchObject({ kind: "conflict" });
    const on = await t.lab.powerVm(vm.id, "powerOn");
    expect(on).toMatchObject({ powerState: "poweredOn", guest: { hostname: "pwr.lab", toolsStatus: "ok" } });
    expect(on.guest.ipAddress).toMatch(/^10\.20\.\d+\.\d+$/);
    expect(on.bootTime).not.toBeNull();
    expect(on.networkAdapters[0]?.connected).toBe(true);
    await expect(t.lab.powerVm(vm.id, "powerOn")).rejects.toMatchObject({ kind: "conflict" });
    await expect(t.lab.deleteVm(vm.id)).rejects.toMatchObject({ kind: "conflict" });
    expect((await t.lab.powerVm(vm.id, "suspend")).powerState).toBe("suspended");
    await expect(t.lab.powerVm(vm.id, "reset")).rejects.toMatchObject({ kind: "conflict" });
    expect((await t.lab.powerVm(vm.id, "powerOn")).powerState).toBe("poweredOn");
    expect((await t.lab.powerVm(vm.id, "restartGuest")).powerState).toBe("poweredOn");
    const off = await t.lab.powerVm(vm.id, "shutdownGuest");
    expect(off).toMatchObject({ powerState: "poweredOff", bootTime: null });
  });

  it("persists the inventory: a new connector on the same dir sees the same objects and ids", async () => {
    const vm = await t.lab.createVm({ name: "keep", disks: [{ capacityBytes: MiB }], powerOn: true });
    const snap = await t.lab.createSnapshot(vm.id, { name: "s1" });
    const first = await t.lab.discover();
    const again = await new LabConnector(t.lab.labDir, t.lab.address).discover();
    const strip = (inv: typeof first) => ({ ...inv, collectedAt: "", datastores: inv.datastores.map((d) => d.id) });
    expect(strip(again)).toEqual(strip(first));
    expect(again.vms[0]).toMatchObject({ id: vm.id, instanceUuid: vm.instanceUuid, moref: vm.moref, powerState: "poweredOn" });
    const reloaded = new LabConnector(t.lab.labDir, t.lab.address);
    expect((await reloaded.listSnapshots(vm.id))[0]).toMatchObject({ id: snap.id, name: "s1", consistency: "CRASH" });
    await expect(new LabConnector(join(t.root, "missing"), "lab://missing").discover()).rejects.toMatchObject({ kind: "not-found" });
  });

  it("reports datastore usage from the sparse files", async () => {
    const vm = await t.lab.createVm({ name: "fill", disks: [{ capacityBytes: 16 * MiB }] });
    const before = (await t.lab.discover()).datastores[0]!;
    expect(before.uncommittedBytes).toBe(16 * MiB);
    await t.lab.writeDisk(vm.id, vm.disks[0]!.id, 0, Buffer.alloc(4 * MiB, 1));
    const after = (await t.lab.discover()).datastores[0]!;
    expect(before.freeBytes - after.freeBytes).toBeGreaterThanOrEqual(4 * MiB);
    expect(after.uncommittedBytes).toBe(12 * MiB);
  });

  it("restores into a powered-off VM's disk and creates VMs from restored disks", async () => {
    const src = await t.lab.createVm({ name: "src", disks: [{ capacityBytes: 4 * MiB }], powerOn: true });
    await expect(t.lab.openDiskWriter(src.id, src.disks[0]!.id)).rejects.toMatchObject({ kind: "conflict" });
    await t.lab.powerVm(src.id, "powerOff");
    const writer = await t.lab.openDiskWriter(src.id, src.disks[0]!.id);
    await writer.write(MiB, Buffer.alloc(MiB, 9));
    await writer.zero(MiB + 100, 1000);
    await writer.flush();
    await writer.close();
    const live = await t.lab.readDisk(src.id, src.disks[0]!.id, MiB, MiB);
    const expected = Buffer.alloc(MiB, 9).fill(0, 100, 1100);
    expect(live.equals(expected)).toBe(true); // (toEqual on MiB buffers is very slow)
    await expect(writer.write(4 * MiB - 1, Buffer.alloc(2))).rejects.toMatchObject({ kind: "bad-argument" });

    const restored = await t.lab.createVmFromDisks(
      { name: "restored", disks: [{ capacityBytes: 2 * MiB }], powerOn: true },
      async ([w]) => w!.write(0, Buffer.from("restored bytes")),
    );
    expect(restored.powerState).toBe("poweredOn");
    expect((await t.lab.readDisk(restored.id, restored.disks[0]!.id, 0, 14)).toString()).toBe("restored bytes");

    const failing = t.lab.createVmFromDisks({ name: "broken", disks: [{ capacityBytes: MiB }] }, async () => {
      throw new Error("stream broke");
    });
    await expect(failing).rejects.toThrow("stream broke");
    const names = (await t.lab.discover()).vms.map((v) => v.name);
    expect(names).toEqual(["src", "restored"]);
    const dirs = await readdir(join(t.lab.labDir, "datastores", "ds-ssd-01"));
    expect(dirs.some((d) => d.startsWith("broken"))).toBe(false);
  });

  it("stays consistent when two processes change the same lab at once", async () => {
    const script = join(t.root, "creator.ts");
    const connector = pathToFileURL(join(import.meta.dirname, "lab-connector.ts")).href;
    await writeFile(
      script,
      `import { LabConnector } from ${JSON.stringify(connector)};
       const lab = new LabConnector(${JSON.stringify(t.lab.labDir)}, "lab://test");
       for (let i = 0; i < 10; i++) {
         await lab.createVm({ name: "child-" + i, disks: [{ capacityBytes: 65536 }] });
         await new Promise((r) => setTimeout(r, 20)); // keep the child busy while the parent works
       }`,
    );
    const child = spawn(process.execPath, [script], { stdio: "inherit" });
    let done = false;
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve)).finally(() => {
      done = true;
    });
    while (!done && (await t.lab.discover()).vms.length === 0) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 6; i++) await t.lab.createVm({ name: `parent-${i}`, disks: [{ capacityBytes: 65536 }] });
    expect(await exited).toBe(0);
    const inv = await t.lab.discover();
    expect(inv.vms).toHaveLength(16);
    expect(new Set(inv.vms.map((v) => v.moref)).size).toBe(16);
    // The two writers interleaved (otherwise this test proves nothing).
    const order = inv.vms.map((v) => v.name[0]).join("");
    expect(order).toMatch(/c+p+c/);
  });
});
