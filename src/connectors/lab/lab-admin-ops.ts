import { randomUUID } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConnectorError } from "../connector-error.ts";
import type { CrashPoints } from "../../platform/crash-points.ts";
import type { CreateDatastoreSpec, Datastore, RelocationTarget, VirtualMachine, VmHardwareChange } from "../hypervisor-connector.ts";
import { datastoreView, toVirtualMachine } from "./inventory-view.ts";
import type { LabDatastore, LabState, LabVm } from "./lab-state.ts";
import { findVm, mutateLabState, nextMoref, saveLabState } from "./lab-state.ts";
import { type PendingRelocation, abandonRelocation, finishRelocation } from "./relocation.ts";
import { pick } from "./vm-factory.ts";

// The lab side of createDatastore, reconfigureVm and relocateVm (see hypervisor-connector.ts for
// the contract): each is one locked read-modify-write of the inventory, moving files as needed.

/** A datastore name is also its directory name under <lab dir>/datastores. */
const DATASTORE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function requireWholePositive(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw new ConnectorError("bad-argument", `${what} must be a positive whole number, not ${value}`);
}

export async function createLabDatastore(labDir: string, spec: CreateDatastoreSpec, operationId: string | undefined, crash: CrashPoints): Promise<Datastore> {
  const datastore = await mutateLabState(labDir, async (state) => {
    if (!DATASTORE_NAME.test(spec.name)) throw new ConnectorError("bad-argument", `invalid datastore name ${JSON.stringify(spec.name)}`);
    requireWholePositive(spec.capacityBytes, "capacityBytes");
    const taken = state.datastores.find((d) => d.name === spec.name);
    // Made by this very operation before a crash: a resumed run returns it.
    if (taken && operationId !== undefined && taken.createdByOperationId === operationId) return datastoreView(labDir, state, taken);
    if (taken) throw new ConnectorError("conflict", `a datastore named ${spec.name} already exists`);
    const cluster = state.clusters.find((c) => c.id === spec.clusterId);
    if (!cluster) throw new ConnectorError("bad-argument", `unknown cluster ${spec.clusterId}`);
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
      ...(operationId === undefined ? {} : { createdByOperationId: operationId }),
    };
    state.datastores.push(datastore);
    cluster.datastoreIds.push(id);
    for (const host of state.hosts) if (cluster.hostIds.includes(host.id)) host.datastoreIds.push(id);
    return datastoreView(labDir, state, datastore);
  });
  crash.hit("lab.datastore.after-create");
  return datastore;
}

export function reconfigureLabVm(labDir: string, vmId: string, change: VmHardwareChange): Promise<VirtualMachine> {
  return mutateLabState(labDir, (state) => {
    const vm = findVm(state, vmId);
    requireWholePositive(change.numCpus, "numCpus");
    requireWholePositive(change.coresPerSocket, "coresPerSocket");
    requireWholePositive(change.memoryMib, "memoryMib");
    const numCpus = change.numCpus ?? vm.numCpus;
    const coresPerSocket = change.coresPerSocket ?? Math.min(vm.coresPerSocket, numCpus);
    const memoryMib = change.memoryMib ?? vm.memoryMib;
    // Already so (a resumed update whose change was saved): done, whatever the power state now.
    if (numCpus === vm.numCpus && coresPerSocket === vm.coresPerSocket && memoryMib === vm.memoryMib) return toVirtualMachine(state, vm);
    if (vm.powerState !== "poweredOff") throw new ConnectorError("conflict", `virtual machine ${vm.name} must be powered off to change its hardware`);
    if (numCpus % coresPerSocket !== 0) throw new ConnectorError("bad-argument", `${numCpus} CPUs cannot be split into sockets of ${coresPerSocket} cores`);
    Object.assign(vm, { numCpus, coresPerSocket, memoryMib });
    return toVirtualMachine(state, vm);
  });
}

export function relocateLabVm(labDir: string, vmId: string, target: RelocationTarget, crash: CrashPoints): Promise<VirtualMachine> {
  return mutateLabState(labDir, async (state) => {
    const vm = findVm(state, vmId);
    if (Object.values(target).every((v) => v === undefined)) throw new ConnectorError("bad-argument", "name a datastore, host, cluster or resource pool to relocate to");
    const ds = target.datastoreId === undefined ? undefined : pick(state.datastores, target.datastoreId, "datastore");
    const { cluster, host, poolId } = computeTarget(state, vm, target);
    const mounted = host ?? cluster;
    for (const id of ds ? [ds.id] : [vm.homeDatastoreId, ...vm.disks.map((d) => d.datastoreId)]) {
      const name = state.datastores.find((d) => d.id === id)?.name ?? id;
      if (!mounted.datastoreIds.includes(id)) throw new ConnectorError("bad-argument", `datastore ${name} is not available to ${host ? "host" : "cluster"} ${mounted.name}`);
    }
    const moving = vm.clusterId !== cluster.id;
    const nextHost = host ?? (moving ? state.hosts.find((h) => cluster.hostIds.includes(h.id)) : undefined);
    if (moving && !nextHost) throw new ConnectorError("conflict", `cluster ${cluster.name} has no host`);
    const placement = {
      clusterId: cluster.id,
      hostId: nextHost?.id ?? vm.hostId,
      resourcePoolId: poolId ?? (moving ? cluster.rootResourcePoolId : vm.resourcePoolId),
    };
    if (ds && !(vm.homeDatastoreId === ds.id && vm.disks.every((d) => d.datastoreId === ds.id))) {
      await moveStorage(labDir, state, vm, { ds, placement, crash });
    } else {
      Object.assign(vm, placement);
    }
    return toVirtualMachine(state, vm);
  });
}

/** The cluster `target` names (directly, through its host or pool, else the VM's own); 400 on a mismatch. */
function computeTarget(state: LabState, vm: LabVm, target: RelocationTarget) {
  const host = target.hostId === undefined ? undefined : pick(state.hosts, target.hostId, "host");
  const pool = target.resourcePoolId === undefined ? undefined : pick(state.resourcePools, target.resourcePoolId, "resource pool");
  const clusterId = target.clusterId ?? host?.clusterId ?? pool?.clusterId ?? vm.clusterId;
  if (!clusterId) throw new ConnectorError("bad-argument", `name a target cluster for virtual machine ${vm.name}`);
  const cluster = pick(state.clusters, clusterId, "cluster");
  if (host && host.clusterId !== cluster.id) throw new ConnectorError("bad-argument", `host ${host.name} is not in cluster ${cluster.name}`);
  if (pool && pool.clusterId !== cluster.id) throw new ConnectorError("bad-argument", `resource pool ${pool.name} is not in cluster ${cluster.name}`);
  return { cluster, host, poolId: pool?.id };
}

/**
 * Moves a powered-off VM's home directory (with its disks) to `ds`, journalled (see relocation.ts):
 * the intent is saved before any file moves, so a crash at any point is rolled forward later.
 */
async function moveStorage(
  labDir: string,
  state: LabState,
  vm: LabVm,
  { ds, placement, crash }: { ds: LabDatastore; placement: PendingRelocation["placement"]; crash: CrashPoints },
): Promise<void> {
  if (vm.powerState !== "poweredOff") throw new ConnectorError("conflict", `virtual machine ${vm.name} must be powered off to move its disks`);
  if (vm.snapshots.length > 0) throw new ConnectorError("conflict", `virtual machine ${vm.name} has snapshots; delete them before moving its disks`);
  const home = `${vm.dir}/`;
  if (!vm.disks.every((d) => d.file.startsWith(home))) throw new ConnectorError("conflict", `the disks of ${vm.name} are not all in its home directory`);
  const dirName = vm.dir.split("/").at(-1) ?? vm.id;
  const toDir = `${ds.dir}/${dirName}`;
  // The target must be new: roll-forward and roll-back treat whatever is there as the move's own.
  if (await stat(join(labDir, toDir)).then(() => true, () => false)) throw new ConnectorError("conflict", `datastore ${ds.name} already holds a directory ${dirName}`);
  vm.relocation = { fromDir: vm.dir, toDir, datastoreId: ds.id, datastoreName: ds.name, placement };
  await saveLabState(labDir, state);
  crash.hit("lab.relocate.after-journal");
  try {
    await finishRelocation(labDir, vm, crash);
  } catch (err) {
    // A live failure (no space, permissions): put the files back and report that nothing moved.
    // Should that fail too, the journal stays and the next access to the lab rolls forward.
    await abandonRelocation(labDir, vm)
      .then(() => saveLabState(labDir, state))
      .catch(() => undefined);
    throw err;
  }
}
