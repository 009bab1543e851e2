// Virtual machines over HTTP: list semantics as the HPE blog uses them (filter name eq, sort,
// select), power actions (state changes, 409 on the wrong state), deploy and delete, hardware
// changes, migration, and refresh after out-of-band lab changes; all validated against the contract.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectContract, expectError, json } from "../helpers/greenlake.ts";
import { type SmallLab, VIRT, accepted, createSmallLab, list, registerLab } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

interface Vm {
  id: string;
  name: string;
  powerState: string;
  state: string;
  allowedOperations: string[];
  protectionStatus: string;
  computeInfo: { numCpuCores: number; memorySizeInMib: string };
  virtualDisks: { id: string; capacityInBytes: number; appInfo: { vmware: { datastoreInfo: { id: string; name: string } } } }[];
  hostInfo: { id: string; name: string };
  appInfo: { vmware: { datastoresInfo: { id: string }[] } };
  hypervisorManagerInfo: { id: string };
  generation: number;
}

let server: TestServer;
let lab: SmallLab;
let managerId: string;
const VMS = `${VIRT}/virtual-machines`;

beforeAll(async () => {
  server = await startTestServer();
  lab = await createSmallLab(server, "vmlab", 3);
  managerId = (await registerLab(server, lab.address)).id;
});
afterAll(async () => {
  await server?.stop();
});

const getVm = async (id: string) => {
  const vm = await json<Vm>(await server.api(`${VMS}/${id}`), 200);
  expectContract("virtualization", "VirtualMachine", vm);
  return vm;
};
const byName = async (name: string) => (await list<Vm>(server, `${VMS}?filter=${encodeURIComponent(`name eq '${name}'`)}`)).items[0]!;

describe("reads", () => {
  test("list, get and the fields taken from the lab", async () => {
    const vms = await list<Vm>(server, VMS, "VirtualMachineList");
    expect(vms).toMatchObject({ count: 3, offset: 0, total: 3 });
    const source = lab.vms[1]!;
    const vm = await getVm(source.id);
    expect(vm).toMatchObject({
      id: source.id,
      name: "vm-02",
      type: "virtualization/virtual-machine",
      resourceUri: `${VMS}/${source.id}`,
      appType: "VMWARE",
      powerState: "POWERED_ON",
      state: "OK",
      status: "OK",
      protectionStatus: "UNPROTECTED",
      recoveryPointsExist: false,
      hypervisorManagerInfo: { id: managerId, name: "vmlab" },
      guestInfo: { name: "Ubuntu Linux (64-bit)", type: "LINUX" },
      computeInfo: { numCpuCores: source.numCpus, memorySizeInMib: String(source.memoryMib) },
      capacityInBytes: 3 * 1024 * 1024,
      uid: source.instanceUuid,
      vmConfigPath: source.configPath,
    });
    expect(vm.virtualDisks.map((d) => d.id)).toEqual(source.disks.map((d) => d.id));
    expect(vm.virtualDisks[0]!.appInfo.vmware.datastoreInfo.id).toBe(source.disks[0]!.datastoreId);
    expect(vm.hostInfo.id).toBe(source.hostId);
    expect(vm.allowedOperations).toContain("VIRTUAL_MACHINE_POWER_OFF");
    await expectError(await server.api(`${VMS}/${randomUUID()}`), 404);
  });

  // Selected items carry only the named fields, so they are not checked against the full schema.
  test("filter name eq, sort name desc and select as the HPE blog does", async () => {
    const one = await list<Vm>(server, `${VMS}?filter=${encodeURIComponent("name eq 'vm-01'")}`, "VirtualMachineList");
    expect(one.items.map((v) => v.name)).toEqual(["vm-01"]);
    const sorted = await list<Vm>(server, `${VMS}?sort=name desc`, "VirtualMachineList");
    expect(sorted.items.map((v) => v.name)).toEqual(["vm-03", "vm-02", "vm-01"]);
    const selected = await list<Record<string, unknown>>(server, `${VMS}?select=id,name,powerState&sort=name`);
    for (const item of selected.items) expect(Object.keys(item).sort()).toEqual(["id", "name", "powerState"]);
    const off = await list<Vm>(server, `${VMS}?filter=powerState eq 'POWERED_OFF'`);
    expect(off.items.map((v) => v.name)).toEqual(["vm-03"]);
    const nested = await list<Vm>(server, `${VMS}?filter=${encodeURIComponent(`hostInfo/name eq 'esxi-01.lab.local' and hypervisorManagerInfo/id eq '${managerId}'`)}`);
    expect(nested.total).toBe(3);
    const paged = await list<Vm>(server, `${VMS}?sort=name&limit=2&offset=2`, "VirtualMachineList");
    expect(paged).toMatchObject({ count: 1, offset: 2, total: 3 });
    const single = await json<Record<string, unknown>>(await server.api(`${VMS}/${lab.vms[0]!.id}?select=name,powerState`), 200);
    expect(single).toEqual({ name: "vm-01", powerState: "POWERED_ON" });
    await expectError(await server.api(`${VMS}?limit=1001`), 400);
    await expectError(await server.api(`${VMS}?filter=nosuch eq 1`), 400);
  });

  test("datastores: list, filter, sort, select and get", async () => {
    const all = await list<Record<string, unknown>>(server, `${VIRT}/datastores?sort=name desc`, "DatastoreList");
    expect(all.items.map((d) => d.name)).toEqual(["ds-ssd-01", "ds-nfs-01"]);
    const nfs = await list<Record<string, unknown>>(server, `${VIRT}/datastores?filter=${encodeURIComponent("name eq 'ds-nfs-01'")}&select=name,datastoreType,capacityInBytes`);
    expect(nfs.items).toEqual([{ name: "ds-nfs-01", datastoreType: "NFS", capacityInBytes: 4096 * 1024 ** 3 }]);
    const ssd = all.items[0]!;
    const one = await json<Record<string, unknown>>(await server.api(`${VIRT}/datastores/${ssd.id}`), 200);
    expectContract("virtualization", "Datastore", one);
    expect(one).toMatchObject({ datastoreType: "VMFS", state: "OK", vmCount: 3, protectionStatus: "UNPROTECTED", hypervisorManagerInfo: { id: managerId } });
    expect(one.capacityFree as number).toBeLessThanOrEqual(one.capacityInBytes as number);
    expect((one.hostsInfo as unknown[]).length).toBe(2);
    await expectError(await server.api(`${VIRT}/datastores/${randomUUID()}`), 404);
  });
});

describe("power operations", () => {
  test("power-off, power-on, reset, guest shutdown and restart change the state", async () => {
    const id = lab.vms[0]!.id;
    let op = await accepted(server, `${VMS}/${id}/power-off`);
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect(op.associatedResources).toContainEqual({ name: "vm-01", resourceUri: `${VMS}/${id}`, type: "virtualization/virtual-machine" });
    expect((await getVm(id)).powerState).toBe("POWERED_OFF");
    expect((await lab.lab.getVm(id)).powerState).toBe("poweredOff");
    op = await accepted(server, `${VMS}/${id}/power-on`);
    expect(op.state).toBe("SUCCEEDED");
    expect((await getVm(id)).powerState).toBe("POWERED_ON");
    for (const action of ["reset", "restart-guest-os"]) {
      expect((await accepted(server, `${VMS}/${id}/${action}`)).state).toBe("SUCCEEDED");
      expect((await getVm(id)).powerState).toBe("POWERED_ON");
    }
    expect((await accepted(server, `${VMS}/${id}/shutdown-guest-os`)).state).toBe("SUCCEEDED");
    const vm = await getVm(id);
    expect(vm.powerState).toBe("POWERED_OFF");
    expect(vm.allowedOperations).toEqual(["VIRTUAL_MACHINE_POWER_ON", "VIRTUAL_MACHINE_DELETE"]);
    expect((await accepted(server, `${VMS}/${id}/power-on`)).state).toBe("SUCCEEDED");
  });

  test("an action the power state forbids is 409, and nothing is queued", async () => {
    const running = lab.vms[0]!.id;
    const stopped = lab.vms[2]!.id;
    await expectError(await server.api(`${VMS}/${running}/power-on`, { method: "POST" }), 409);
    await expectError(await server.api(`${VMS}/${stopped}/power-off`, { method: "POST" }), 409);
    await expectError(await server.api(`${VMS}/${stopped}/reset`, { method: "POST" }), 409);
    await expectError(await server.api(`${VMS}/${running}`, { method: "DELETE" }), 409);
    await expectError(await server.api(`${VMS}/${randomUUID()}/power-on`, { method: "POST" }), 404);
  });

  test("a state changed behind obr's back fails the operation with the lab's reason", async () => {
    const id = lab.vms[1]!.id;
    await lab.lab.powerVm(id, "powerOff"); // the document still says POWERED_ON
    const op = await accepted(server, `${VMS}/${id}/power-off`);
    expect(op.state).toBe("FAILED");
    expect(op.error?.error).toMatch(/poweredOff/);
    expect((await getVm(id)).powerState).toBe("POWERED_OFF"); // re-read after the failure
  });
});

describe("deploy, change, migrate and delete", () => {
  test("deploy a VM on a datastore, then delete it", async () => {
    const ds = (await list<{ id: string; name: string }>(server, `${VIRT}/datastores?filter=${encodeURIComponent("name eq 'ds-nfs-01'")}`)).items[0]!;
    const networks = await list<{ id: string; name: string }>(server, `${VIRT}/hypervisor-managers/${managerId}/networks`);
    const body = {
      vmConfig: { name: "deployed-01", acceptEula: true, powerOn: true },
      storageConfig: { defaultDatastoreId: ds.id },
      networkConfig: { networkMapping: [{ name: "nic1", network: networks.items.find((n) => n.name === "Management")!.id }] },
    };
    const op = await accepted(server, VMS, { json: body });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const ref = op.associatedResources.find((r) => r.type === "virtualization/virtual-machine")!;
    const vm = await getVm(ref.resourceUri.split("/").at(-1)!);
    expect(vm).toMatchObject({ name: "deployed-01", powerState: "POWERED_ON", state: "OK" });
    expect(vm.appInfo.vmware.datastoresInfo.map((d) => d.id)).toEqual([ds.id]);
    await expectError(await server.api(VMS, { method: "POST", json: body }), 400); // name taken
    await expectError(await server.api(VMS, { method: "POST", json: { ...body, storageConfig: { defaultDatastoreId: randomUUID() } } }), 400);
    await expectError(await server.api(VMS, { method: "POST", json: { ...body, vmConfig: { name: "x" } } }), 400);
    expect((await accepted(server, `${VMS}/${vm.id}/power-off`)).state).toBe("SUCCEEDED");
    const deleted = await accepted(server, `${VMS}/${vm.id}`, { method: "DELETE" });
    expect(deleted.state).toBe("SUCCEEDED");
    await expectError(await server.api(`${VMS}/${vm.id}`), 404);
    await expect(lab.lab.getVm(vm.id)).rejects.toThrow(/not found/);
  });

  test("update-hardware changes CPU and memory of a powered-off VM", async () => {
    const id = lab.vms[2]!.id;
    const op = await accepted(server, `${VMS}/${id}/update-hardware`, { json: { cpuMemConfig: { cpu: { numOfCpus: 4, numOfCoresPerSocket: 2 }, memory: { memoryInMb: 6144 } } } });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect((await getVm(id)).computeInfo).toEqual({ numCpuCores: 4, memorySizeInMib: "6144" });
    expect((await lab.lab.getVm(id)).memoryMib).toBe(6144);
    await expectError(await server.api(`${VMS}/${lab.vms[0]!.id}/update-hardware`, { method: "POST", json: { cpuMemConfig: { cpu: { numOfCpus: 2 } } } }), 409);
    await expectError(await server.api(`${VMS}/${id}/update-hardware`, { method: "POST", json: {} }), 400);
  });

  test("migrate moves a powered-off VM's disks to another datastore", async () => {
    const vm = await byName("vm-03");
    const target = (await list<{ id: string }>(server, `${VIRT}/datastores?filter=${encodeURIComponent("name eq 'ds-nfs-01'")}`)).items[0]!;
    const cluster = (await list<{ id: string }>(server, `${VIRT}/hypervisor-clusters`)).items[0]!;
    const body = { hypervisorManagerId: managerId, targetDatastoreId: target.id, targetHypervisorClusterId: cluster.id };
    const op = await accepted(server, `${VMS}/migrate?parameter-type=vms&vms=${vm.id}`, { json: body });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const moved = await getVm(vm.id);
    expect(moved.virtualDisks.every((d) => d.appInfo.vmware.datastoreInfo.id === target.id)).toBe(true);
    expect((await lab.lab.getVm(vm.id)).disks.every((d) => d.datastoreId === target.id)).toBe(true);
    await expectError(await server.api(`${VMS}/migrate?vms=${randomUUID()}`, { method: "POST", json: body }), 400);
    await expectError(await server.api(`${VMS}/migrate`, { method: "POST", json: body }), 400);
  });

  test("create a datastore on the cluster", async () => {
    const cluster = (await list<{ id: string }>(server, `${VIRT}/hypervisor-clusters`)).items[0]!;
    const body = { name: "ds-new-01", datastoreType: "VMFS", sizeInBytes: 512 * 1024 ** 3, targetHypervisorClusterId: cluster.id, storageSystemId: randomUUID() };
    const op = await accepted(server, `${VIRT}/datastores`, { json: body });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const created = (await list<Record<string, unknown>>(server, `${VIRT}/datastores?filter=${encodeURIComponent("name eq 'ds-new-01'")}`, "DatastoreList")).items[0]!;
    expect(created).toMatchObject({ datastoreType: "VMFS", capacityInBytes: 512 * 1024 ** 3, vmCount: 0, clusterInfo: { id: cluster.id } });
    await expectError(await server.api(`${VIRT}/datastores`, { method: "POST", json: body }), 400);
    await expectError(await server.api(`${VIRT}/datastores`, { method: "POST", json: { ...body, name: "x2", targetHypervisorClusterId: randomUUID() } }), 400);
  });
});

describe("refresh", () => {
  test("VMs created, changed or deleted in the lab show up after a manager refresh; deleted ones are marked", async () => {
    const added = await lab.lab.createVm({ name: "oob-01", disks: [{ capacityBytes: 1024 * 1024 }] });
    await lab.lab.powerVm(lab.vms[0]!.id, "powerOff");
    const doomed = (await byName("vm-02")).id;
    await lab.lab.deleteVm(doomed); // powered off by the earlier test
    const before = await getVm(lab.vms[0]!.id);
    const op = await accepted(server, `${VIRT}/hypervisor-managers/${managerId}/refresh`);
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect(op.logMessages.map((l) => l.message).join("\n")).toMatch(/discovered .*virtual machines/);
    expect((await getVm(added.id)).name).toBe("oob-01");
    const changed = await getVm(lab.vms[0]!.id);
    expect(changed.powerState).toBe("POWERED_OFF");
    expect(changed.generation).toBeGreaterThan(before.generation);
    const gone = await getVm(doomed);
    expect(gone).toMatchObject({ state: "DELETED", status: "ERROR", allowedOperations: [] });
    await expectError(await server.api(`${VMS}/${doomed}/power-on`, { method: "POST" }), 409);
    const listed = await list<Vm>(server, `${VMS}?filter=${encodeURIComponent("state eq 'DELETED'")}`, "VirtualMachineList");
    expect(listed.items.map((v) => v.id)).toEqual([doomed]);
  });

  test("deleting a VM marked DELETED removes its record", async () => {
    const doomed = (await list<Vm>(server, `${VMS}?filter=${encodeURIComponent("state eq 'DELETED'")}`)).items[0]!.id;
    expect((await accepted(server, `${VMS}/${doomed}`, { method: "DELETE" })).state).toBe("SUCCEEDED");
    await expectError(await server.api(`${VMS}/${doomed}`), 404);
  });

  test("an unchanged refresh changes no generation; VM refresh re-reads one VM", async () => {
    const id = lab.vms[0]!.id;
    const before = await getVm(id);
    expect((await accepted(server, `${VIRT}/hypervisor-managers/${managerId}/refresh`)).state).toBe("SUCCEEDED");
    expect((await getVm(id)).generation).toBe(before.generation);
    await lab.lab.powerVm(id, "powerOn");
    expect((await accepted(server, `${VMS}/${id}/refresh`)).state).toBe("SUCCEEDED");
    expect((await getVm(id)).powerState).toBe("POWERED_ON");
  });
});

describe("a VM the lab lost", () => {
  test("an action on it ends FAILED with the connector's reason and NOT_FOUND", async () => {
    const lost = await lab.lab.createVm({ name: "lost-01", disks: [{ capacityBytes: 1024 * 1024 }] });
    expect((await accepted(server, `${VIRT}/hypervisor-managers/${managerId}/refresh`)).state).toBe("SUCCEEDED");
    await lab.lab.deleteVm(lost.id); // behind obr's back: the document still says it is there
    const op = await accepted(server, `${VMS}/${lost.id}/power-on`);
    expect(op.state).toBe("FAILED");
    expect(op.error).toMatchObject({ error: `virtual machine ${lost.id} not found`, errorCode: "NOT_FOUND" });
  });
});
