// compat/workaround: datastore creation, VM reconfiguration and VM relocation for the lab. The
// connector interface (src/connectors/hypervisor-connector.ts) has no such operations yet, so
// this adapter edits the lab's inventory through the lab library's own locked read-modify-write
// (mutateLabState). It belongs in the connector as createDatastore/reconfigureVm/relocateVm;
// when those exist, this file goes away and HypervisorAdmin calls the connector.
import { randomUUID } from "node:crypto";
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import type { DatastoreType } from "../../connectors/hypervisor-connector.ts";
import { findVm, mutateLabState, nextMoref } from "../../connectors/lab/lab-state.ts";
import { labDirFor } from "../../connectors/registry.ts";
import { AppError } from "../../domain/app-error.ts";
import type { DatastoreSpec, HardwareChange, HypervisorAdmin, Relocation } from "./inventory-context.ts";

export class LabAdmin implements HypervisorAdmin {
  readonly #labRoot: string;

  constructor(labRoot: string) {
    this.#labRoot = labRoot;
  }

  async createDatastore(address: string, spec: DatastoreSpec): Promise<string> {
    const labDir = labDirFor(this.#labRoot, address);
    return mutateLabState(labDir, async (state) => {
      if (state.datastores.some((d) => d.name === spec.name)) throw AppError.conflict(`a datastore named ${spec.name} already exists`);
      const cluster = state.clusters.find((c) => c.id === spec.clusterId);
      if (!cluster) throw AppError.badRequest(`unknown cluster ${spec.clusterId}`);
      const id = randomUUID();
      const type: DatastoreType = spec.type;
      const dir = `datastores/${spec.name}`;
      await mkdir(join(labDir, dir), { recursive: true });
      state.datastores.push({
        id,
        moref: nextMoref(state, "datastore-"),
        name: spec.name,
        datacenterId: cluster.datacenterId,
        clusterId: cluster.id,
        folderId: null,
        hostIds: [...cluster.hostIds],
        type,
        capacityBytes: spec.capacityBytes,
        url: `ds:///vmfs/volumes/${id}/`,
        dir,
      });
      cluster.datastoreIds.push(id);
      for (const host of state.hosts) if (cluster.hostIds.includes(host.id)) host.datastoreIds.push(id);
      return id;
    });
  }

  async reconfigureVm(address: string, vmId: string, change: HardwareChange): Promise<void> {
    await mutateLabState(labDirFor(this.#labRoot, address), (state) => {
      const vm = findVm(state, vmId);
      if (vm.powerState !== "poweredOff") throw AppError.conflict(`virtual machine ${vm.name} must be powered off to change its hardware`);
      const numCpus = change.numCpus ?? vm.numCpus;
      const coresPerSocket = change.coresPerSocket ?? Math.min(vm.coresPerSocket, numCpus);
      if (numCpus % coresPerSocket !== 0) throw AppError.badRequest(`${numCpus} CPUs cannot be split into sockets of ${coresPerSocket} cores`);
      vm.numCpus = numCpus;
      vm.coresPerSocket = coresPerSocket;
      if (change.memoryMib !== undefined) vm.memoryMib = change.memoryMib;
    });
  }

  /** Moves a powered-off VM's home directory (with its disks) to another datastore and/or cluster. */
  async relocateVm(address: string, vmId: string, target: Relocation): Promise<void> {
    const labDir = labDirFor(this.#labRoot, address);
    await mutateLabState(labDir, async (state) => {
      const vm = findVm(state, vmId);
      const ds = state.datastores.find((d) => d.id === target.datastoreId);
      const cluster = state.clusters.find((c) => c.id === target.clusterId);
      if (!ds || !cluster) throw AppError.badRequest("unknown target datastore or cluster");
      if (!cluster.datastoreIds.includes(ds.id)) throw AppError.badRequest(`datastore ${ds.name} is not available to cluster ${cluster.name}`);
      if (vm.clusterId !== cluster.id) {
        const host = state.hosts.find((h) => cluster.hostIds.includes(h.id));
        if (!host) throw AppError.conflict(`cluster ${cluster.name} has no host`);
        vm.clusterId = cluster.id;
        vm.hostId = host.id;
        vm.resourcePoolId = cluster.rootResourcePoolId;
      }
      if (vm.homeDatastoreId === ds.id && vm.disks.every((d) => d.datastoreId === ds.id)) return;
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
    });
  }
}
