import { randomUUID } from "node:crypto";
import { basename, join } from "node:path";
import { ConnectorError } from "../connector-error.ts";
import type {
  Cluster,
  Datacenter,
  Datastore,
  Folder,
  GuestFamily,
  Host,
  HypervisorManagerInfo,
  Network,
  ResourcePool,
  Tag,
  VirtualDisk,
  VirtualMachine,
  VmSnapshot,
} from "../hypervisor-connector.ts";
import { withLock } from "./file-lock.ts";
import { readJson, writeJsonAtomic } from "./json-file.ts";
import { type PendingRelocation, finishRelocation } from "./relocation.ts";

// The lab vCenter's persisted inventory: <lab dir>/inventory.json, rewritten atomically under the
// lab lock (<lab dir>/lab.lock). Nothing is cached in memory, so several processes can share a lab.
// Paths stored here are relative to the lab dir so a lab can be moved.

export interface LabDatastore extends Omit<Datastore, "freeBytes" | "uncommittedBytes"> {
  /** Directory of the datastore, relative to the lab dir. */
  dir: string;
  /** Idempotency token: the operation that created it, so a resumed creation finds it. */
  createdByOperationId?: string;
}

export interface LabDisk extends VirtualDisk {
  /** The sparse raw file, relative to the lab dir. */
  file: string;
}

export interface LabGuest {
  family: GuestFamily;
  osName: string;
  osVersion: string;
  hostname: string;
  ipAddress: string;
  toolsVersion: string;
}

export interface LabSnapshot extends VmSnapshot {
  /** Directory of the snapshot's files, relative to the lab dir. */
  dir: string;
}

export interface LabVm extends Omit<VirtualMachine, "disks" | "guest" | "datastoreIds" | "configPath"> {
  guest: LabGuest;
  disks: LabDisk[];
  /** The VM's home directory (config and snapshots), relative to the lab dir. */
  dir: string;
  /** Datastore holding the VM's home directory. */
  homeDatastoreId: string;
  snapshots: LabSnapshot[];
  /** A move of the VM's files in progress (see relocation.ts); finished by the next locked access. */
  relocation?: PendingRelocation;
  /** Idempotency tokens: the operation that created the VM, and the one that last changed its power. */
  createdByOperationId?: string;
  powerOperationId?: string;
}

export interface LabState {
  version: 1;
  manager: HypervisorManagerInfo;
  datacenters: Datacenter[];
  clusters: Cluster[];
  hosts: Host[];
  datastores: LabDatastore[];
  networks: Network[];
  folders: Folder[];
  resourcePools: ResourcePool[];
  tags: Tag[];
  vms: LabVm[];
  /** Counter behind morefs, MAC and IP addresses, so they are never reused. */
  sequence: number;
  /** VMs an operation is creating, not registered yet: their directories (see vm-creation.ts). */
  pendingCreations?: { operationId: string; dirs: string[] }[];
}

export const inventoryPath = (labDir: string): string => join(labDir, "inventory.json");
const labLockPath = (labDir: string): string => join(labDir, "lab.lock");

export function emptyLabState(name: string): LabState {
  return {
    version: 1,
    manager: {
      id: randomUUID(),
      moref: "ServiceInstance",
      name,
      instanceUuid: randomUUID(),
      networkAddress: `${name}.lab.local`,
      productName: "obr lab vCenter Server",
      releaseVersion: "8.0.3",
      buildVersion: "24022515",
    },
    datacenters: [],
    clusters: [],
    hosts: [],
    datastores: [],
    networks: [],
    folders: [],
    resourcePools: [],
    tags: [],
    vms: [],
    sequence: 1000,
  };
}

/** Next moref with a vSphere-like prefix ("vm-1001"). */
export function nextMoref(state: LabState, prefix: string): string {
  state.sequence += 1;
  return `${prefix}${state.sequence}`;
}

async function readLabState(labDir: string): Promise<LabState> {
  const state = await readJson<LabState>(inventoryPath(labDir));
  if (!state) throw new ConnectorError("not-found", `lab://${basename(labDir)} does not exist`); // its name, never the server's path
  return state;
}

const hasPendingWork = (state: LabState): boolean => state.vms.some((vm) => vm.relocation !== undefined);

/**
 * The inventory as it stands. While a relocation is journalled the VM's paths may not name where
 * its files are, so the reader waits for the lab lock and finishes the relocation first (it is
 * either still running in some process, or its process died and left it to us).
 */
export async function loadLabState(labDir: string): Promise<LabState> {
  const state = await readLabState(labDir);
  return hasPendingWork(state) ? mutateLabState(labDir, (s) => s) : state;
}

export const saveLabState = (labDir: string, state: LabState): Promise<void> =>
  writeJsonAtomic(inventoryPath(labDir), state);

/** Read-modify-write of the inventory under the lab lock; `fn` may also touch files. */
export async function mutateLabState<T>(labDir: string, fn: (state: LabState) => Promise<T> | T): Promise<T> {
  await readLabState(labDir); // a missing lab is 404, not a lock-file error
  return withLock(labLockPath(labDir), async () => {
    const state = await readLabState(labDir);
    if (hasPendingWork(state)) {
      // Left by a process that died mid-way: roll it forward before anyone acts on the VM.
      for (const vm of state.vms) await finishRelocation(labDir, vm);
      await saveLabState(labDir, state);
    }
    const result = await fn(state);
    await saveLabState(labDir, state);
    return result;
  });
}

export function findVm(state: LabState, vmId: string): LabVm {
  const vm = state.vms.find((v) => v.id === vmId);
  if (!vm) throw new ConnectorError("not-found", `virtual machine ${vmId} not found`);
  return vm;
}

export function findDisk(vm: LabVm, diskId: string): LabDisk {
  const disk = vm.disks.find((d) => d.id === diskId);
  if (!disk) throw new ConnectorError("not-found", `disk ${diskId} not found on virtual machine ${vm.id}`);
  return disk;
}

export function findSnapshot(vm: LabVm, snapshotId: string): LabSnapshot {
  const snap = vm.snapshots.find((s) => s.id === snapshotId);
  if (!snap) throw new ConnectorError("not-found", `snapshot ${snapshotId} not found on virtual machine ${vm.id}`);
  return snap;
}
