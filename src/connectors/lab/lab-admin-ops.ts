import { randomUUID } from "node:crypto";
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../../domain/app-error.ts";
import type { CreateDatastoreSpec, Datastore, RelocationTarget, VirtualMachine, VmHardwareChange } from "../hypervisor-connector.ts";
import { datastoreView, toVirtualMachine } from "./inventory-view.ts";
import type { LabDatastore, LabState, LabVm } from "./lab-state.ts";
import { findVm, mutateLabState, nextMoref } from "./lab-state.ts";
import { pick } from "./vm-factory.ts";

// The lab side of createDatastore, reconfigureVm and relocateVm (see hypervisor-connector.ts for
// the contract): each is one locked read-modify-write of the inventory, moving files as needed.

/** A datastore name is also its directory name under <lab dir>/datastores. */
const DATASTORE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function requireWholePositive(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw AppError.badRequest(`${what} must be a positive whole number, not ${value}`);
}

export function createLabDatastore(labDir: string, spec: CreateDatastoreSpec): Promise<Datastore> {
  return mutateLabState(labDir, async (state) => {
    if (!DATASTORE_NAME.test(spec.name)) throw AppError.badRequest(`invalid datastore name ${JSON.stringify(spec.name)}`);
    requireWholePositive(spec.capacityBytes, "capacityBytes");
    if (state.datastores.some((d) => d.name === spec.name)) throw AppError.conflict(`a datastore named ${spec.name} already exists`);
    const cluster = state.clusters.find((c) => c.id === spec.clusterId);
    if (!cluster) throw AppError.badRequest(`unknown cluster ${spec.clusterId}`);
    const id = randomUUID();
    const dir = `datastores/${spec.name}`;
    await mkdir(join(labDir, dir), { recursive: true });
    const datastore: LabDatastore = {
      id,
      moref: nextMoref(state, "datastore-"),
      name: spec.name,
      datacenterId: cluster.datacenterId,
      clusterId: cluster.id,
      folderId: null,
      hostIds: [...cluster.hostIds],
      type: spec.type,
      capacityBytes: spec.capacityBytes,
      url: `ds:///vmfs/volumes/${id}/`,
      dir,
    };
    state.datastores.push(datastore);
    cluster.datastoreIds.push(id);
    for (const host of state.hosts) if (cluster.hostIds.includes(host.id)) host.datastoreIds.push(id);
    return datastoreView(labDir, state, datastore);
  });
}

export function reconfigureLabVm(labDir: string, vmId: string, change: VmHardwareChange): Promise<VirtualMachine> {
  return mutateLabState(labDir, (state) => {
    const vm = findVm(state, vmId);
    requireWholePositive(change.numCpus, "numCpus");
    requireWholePositive(change.coresPerSocket, "coresPerSocket");
    requireWholePositive(change.memoryMib, "memoryMib");
    if (vm.powerState !== "poweredOff") throw AppError.conflict(`virtual machine ${vm.name} must be powered off to change its hardware`);
    const numCpus = change.numCpus ?? vm.numCpus;
    const coresPerSocket = change.coresPerSocket ?? Math.min(vm.coresPerSocket, numCpus);
    if (numCpus % coresPerSocket !== 0) throw AppError.badRequest(`${numCpus} CPUs cannot be split into sockets of ${coresPerSocket} cores`);
    vm.numCpus = numCpus;
    vm.coresPerSocket = coresPerSocket;
    if (change.memoryMib !== undefined) vm.memoryMib = change.memoryMib;
    return toVirtualMachine(state, vm);
  });
}

export function relocateLabVm(labDir: string, vmId: string, target: RelocationTarget): Promise<VirtualMachine> {
  return mutateLabState(labDir, async (state) => {
    const vm = findVm(state, vmId);
    if (Object.values(target).every((v) => v === undefined)) throw AppError.badRequest("name a datastore, host, cluster or resource pool to relocate to");
    const ds = target.datastoreId === undefined ? undefined : pick(state.datastores, target.datastoreId, "datastore");
    const { cluster, host, poolId } = computeTarget(state, vm, target);
    const mounted = host ?? cluster;
    for (const id of ds ? [ds.id] : [vm.homeDatastoreId, ...vm.disks.map((d) => d.datastoreId)]) {
      const name = state.datastores.find((d) => d.id === id)?.name ?? id;
      if (!mounted.datastoreIds.includes(id)) throw AppError.badRequest(`datastore ${name} is not available to ${host ? "host" : "cluster"} ${mounted.name}`);
    }
    const moving = vm.clusterId !== cluster.id;
    const nextHost = host ?? (moving ? state.hosts.find((h) => cluster.hostIds.includes(h.id)) : undefined);
    if (moving && !nextHost) throw AppError.conflict(`cluster ${cluster.name} has no host`);
    vm.clusterId = cluster.id;
    if (nextHost) vm.hostId = nextHost.id;
    if (poolId) vm.resourcePoolId = poolId;
    else if (moving) vm.resourcePoolId = cluster.rootResourcePoolId;
    if (ds && !(vm.homeDatastoreId === ds.id && vm.disks.every((d) => d.datastoreId === ds.id))) await moveStorage(labDir, vm, ds);
    return toVirtualMachine(state, vm);
  });
}

/** The cluster `target` names (directly, through its host or pool, else the VM's own); 400 on a mismatch. */
function computeTarget(state: LabState, vm: LabVm, target: RelocationTarget) {
  const host = target.hostId === undefined ? undefined : pick(state.hosts, target.hostId, "host");
  const pool = target.resourcePoolId === undefined ? undefined : pick(state.resourcePools, target.resourcePoolId, "resource pool");
  const clusterId = target.clusterId ?? host?.clusterId ?? pool?.clusterId ?? vm.clusterId;
  if (!clusterId) throw AppError.badRequest(`name a target cluster for virtual machine ${vm.name}`);
  const cluster = pick(state.clusters, clusterId, "cluster");
  if (host && host.clusterId !== cluster.id) throw AppError.badRequest(`host ${host.name} is not in cluster ${cluster.name}`);
  if (pool && pool.clusterId !== cluster.id) throw AppError.badRequest(`resource pool ${pool.name} is not in cluster ${cluster.name}`);
  return { cluster, host, poolId: pool?.id };
}

/** Moves a powered-off VM's home directory (with its disks) to `ds`. */
async function moveStorage(labDir: string, vm: LabVm, ds: LabDatastore): Promise<void> {
  if (vm.powerState !== "poweredOff") throw AppError.conflict(`virtual machine ${vm.name} must be powered off to move its disks`);
  if (vm.snapshots.length > 0) throw AppError.conflict(`virtual machine ${vm.name} has snapshots; delete them before moving its disks`);
  const home = `${vm.dir}/`;
  if (!vm.disks.every((d) => d.file.startsWith(home))) throw AppError.conflict(`the disks of ${vm.name} are not all in its home directory`);
  const dirName = vm.dir.split("/").at(-1) ?? vm.id;
  const nextDir = `${ds.dir}/${dirName}`;
  await mkdir(join(labDir, ds.dir), { recursive: true });
  await rename(join(labDir, vm.dir), join(labDir, nextDir));
  for (const disk of vm.disks) {
    const rest = disk.file.slice(home.length);
    disk.file = `${nextDir}/${rest}`;
    disk.datastoreId = ds.id;
    disk.filePath = `[${ds.name}] ${dirName}/${rest}`;
  }
  vm.dir = nextDir;
  vm.homeDatastoreId = ds.id;
}
