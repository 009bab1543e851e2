import { join } from "node:path";
import { directoryBytes } from "../../platform/disk-usage.ts";
import type { Datastore, GuestInfo, Inventory, VirtualMachine } from "../hypervisor-connector.ts";
import { allocatedBytes } from "./lab-disk.ts";
import type { LabDatastore, LabState, LabVm } from "./lab-state.ts";

// Turns the persisted lab inventory into what the connector reports: runtime-only fields
// (guest identity while running, datastore free space measured from the files) are derived here.

function guestInfo(vm: LabVm): GuestInfo {
  const running = vm.powerState === "poweredOn";
  const hasTools = vm.guest.toolsVersion !== "";
  return {
    family: vm.guest.family,
    osName: vm.guest.osName,
    osVersion: vm.guest.osVersion,
    hostname: running && hasTools ? vm.guest.hostname : null,
    ipAddress: running && hasTools ? vm.guest.ipAddress : null,
    toolsStatus: !hasTools ? "notInstalled" : running ? "ok" : "notRunning",
    toolsVersion: vm.guest.toolsVersion,
  };
}

export function toVirtualMachine(state: LabState, vm: LabVm): VirtualMachine {
  const {
    guest: _guest,
    disks,
    dir: _dir,
    homeDatastoreId,
    snapshots: _snapshots,
    relocation: _relocation,
    createdByOperationId: _createdBy,
    powerOperationId: _powerBy,
    ...rest
  } = vm;
  const home = state.datastores.find((d) => d.id === homeDatastoreId);
  const vmxName = `${vm.dir.split("/").at(-1) ?? vm.name}/${vm.name}.vmx`;
  return {
    ...rest,
    guest: guestInfo(vm),
    disks: disks.map(({ file: _file, ...disk }) => ({ ...disk })),
    datastoreIds: [...new Set([homeDatastoreId, ...disks.map((d) => d.datastoreId)])],
    configPath: `[${home?.name ?? "unknown"}] ${vmxName}`,
    networkAdapters: vm.networkAdapters.map((n) => ({ ...n, connected: n.connectAtPowerOn && vm.powerState === "poweredOn" })),
  };
}

export async function datastoreView(labDir: string, state: LabState, ds: LabDatastore): Promise<Datastore> {
  const { dir, createdByOperationId: _createdBy, ...rest } = ds;
  const used = await directoryBytes(join(labDir, dir));
  let uncommitted = 0;
  for (const vm of state.vms) {
    for (const disk of vm.disks) {
      if (disk.datastoreId !== ds.id) continue;
      uncommitted += Math.max(0, disk.capacityBytes - (await allocatedBytes(join(labDir, disk.file))));
    }
  }
  return { ...rest, freeBytes: Math.max(0, ds.capacityBytes - used), uncommittedBytes: uncommitted };
}

export async function toInventory(labDir: string, state: LabState): Promise<Inventory> {
  const copy = structuredClone(state);
  return {
    manager: copy.manager,
    datacenters: copy.datacenters,
    clusters: copy.clusters,
    hosts: copy.hosts,
    datastores: await Promise.all(copy.datastores.map((ds) => datastoreView(labDir, copy, ds))),
    networks: copy.networks,
    folders: copy.folders,
    resourcePools: copy.resourcePools,
    tags: copy.tags,
    vms: copy.vms.map((vm) => toVirtualMachine(copy, vm)),
    collectedAt: new Date().toISOString(),
  };
}
