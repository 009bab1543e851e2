import { randomUUID } from "node:crypto";
import { ConnectorError } from "../connector-error.ts";
import type { CreateVmSpec } from "../hypervisor-connector.ts";
import type { LabDisk, LabState, LabVm } from "./lab-state.ts";
import { nextMoref } from "./lab-state.ts";
import { checkName } from "../../domain/names.ts";

// Builds the inventory record of a new lab VM from a CreateVmSpec: placement defaults, device
// keys and labels, MAC and IP addresses, and where its files go (powered off, files not created).

const NAME_MAX = 80; // the GreenLake virtual-machine name limit

/** Filesystem-safe form of a VM name. */
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 40) || "vm";

export function pick<T extends { id: string }>(items: readonly T[], id: string | undefined, what: string, fallback?: T): T {
  if (id !== undefined) {
    const found = items.find((i) => i.id === id);
    if (!found) throw new ConnectorError("bad-argument", `unknown ${what} ${id}`);
    return found;
  }
  if (!fallback) throw new ConnectorError("conflict", `the lab has no ${what} to place the virtual machine on`);
  return fallback;
}

export function checkVmName(state: LabState, name: string): void {
  if (name.trim() === "" || name.length > NAME_MAX) {
    throw new ConnectorError("bad-argument", `virtual machine name must be 1-${NAME_MAX} characters`);
  }
  checkName(name, "virtual machine name");
  if (state.vms.some((v) => v.name === name)) throw new ConnectorError("conflict", `a virtual machine named ${name} already exists`);
}

export function buildVm(state: LabState, spec: CreateVmSpec): LabVm {
  checkVmName(state, spec.name);
  if (spec.disks.length === 0) throw new ConnectorError("bad-argument", "a virtual machine needs at least one disk");
  for (const d of spec.disks) {
    if (!Number.isSafeInteger(d.capacityBytes) || d.capacityBytes <= 0) {
      throw new ConnectorError("bad-argument", `invalid disk capacity ${d.capacityBytes}`);
    }
  }
  const host = pick(state.hosts, spec.hostId, "host", state.hosts[0]);
  const hostDatastore = state.datastores.find((d) => host.datastoreIds.includes(d.id)) ?? state.datastores[0];
  const home = pick(state.datastores, spec.datastoreId, "datastore", hostDatastore);
  const cluster = state.clusters.find((c) => c.id === host.clusterId);
  const rootFolder = state.folders.find((f) => f.type === "VM" && f.datacenterId === host.datacenterId && !f.parentId);
  const folder = pick(state.folders, spec.folderId, "folder", rootFolder);
  if (folder.type !== "VM") throw new ConnectorError("bad-argument", `folder ${folder.id} is not a VM folder`);
  const rootPool = state.resourcePools.find((p) => p.id === cluster?.rootResourcePoolId);
  const pool = pick(state.resourcePools, spec.resourcePoolId, "resource pool", rootPool);

  const id = randomUUID();
  const base = safeName(spec.name);
  const dirName = `${base}_${id.slice(0, 8)}`;
  const disks: LabDisk[] = spec.disks.map((d, i) => {
    const ds = pick(state.datastores, d.datastoreId ?? home.id, "datastore");
    const fileName = i === 0 ? `${base}.raw` : `${base}_${i}.raw`;
    return {
      id: randomUUID(),
      key: 2000 + i,
      label: `Hard disk ${i + 1}`,
      capacityBytes: d.capacityBytes,
      datastoreId: ds.id,
      filePath: `[${ds.name}] ${dirName}/${fileName}`,
      provisioning: "thin",
      file: `${ds.dir}/${dirName}/${fileName}`,
    };
  });
  const adapters = spec.networkAdapters ?? (host.networkIds[0] ? [{ networkId: host.networkIds[0] }] : []);
  const networkAdapters = adapters.map((a, i) => {
    pick(state.networks, a.networkId, "network");
    state.sequence += 1;
    const seq = state.sequence;
    const mac = `00:50:56:${[seq >> 16, seq >> 8, seq].map((b) => (b & 255).toString(16).padStart(2, "0")).join(":")}`;
    return {
      key: 4000 + i,
      label: `Network adapter ${i + 1}`,
      macAddress: a.macAddress ?? mac,
      macAddressType: a.macAddress ? ("manual" as const) : ("automatic" as const),
      networkId: a.networkId,
      connectAtPowerOn: a.connectAtPowerOn ?? true,
      connected: false, // derived from the power state when reported
    };
  });
  const moref = nextMoref(state, "vm-");
  return {
    id,
    moref,
    name: spec.name,
    instanceUuid: randomUUID(),
    biosUuid: randomUUID(),
    powerState: "poweredOff",
    bootTime: null,
    guest: {
      family: spec.guest?.family ?? "other",
      osName: spec.guest?.osName ?? "Other (64-bit)",
      osVersion: spec.guest?.osVersion ?? "",
      hostname: spec.guest?.hostname ?? base.toLowerCase(),
      ipAddress: `10.20.${(state.sequence >> 8) & 255}.${state.sequence & 255}`,
      toolsVersion: "12.4.0",
    },
    numCpus: spec.numCpus ?? 2,
    coresPerSocket: spec.coresPerSocket ?? 1,
    memoryMib: spec.memoryMib ?? 4096,
    disks,
    networkAdapters,
    datacenterId: host.datacenterId,
    clusterId: host.clusterId,
    hostId: host.id,
    folderId: folder.id,
    resourcePoolId: pool.id,
    template: false,
    changeTrackingEnabled: true,
    createdAt: new Date().toISOString(),
    dir: `${home.dir}/${dirName}`,
    homeDatastoreId: home.id,
    snapshots: [],
  };
}
