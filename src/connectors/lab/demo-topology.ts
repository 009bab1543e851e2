import { randomUUID } from "node:crypto";
import type { DatastoreType, Folder, FolderType, GuestFamily, ResourcePool } from "../hypervisor-connector.ts";
import type { LabState } from "./lab-state.ts";
import { nextMoref } from "./lab-state.ts";

// The demo lab's infrastructure: 1 datacenter, 1 cluster of 2 hosts, 2 datastores, 3 networks,
// folders, resource pools and tags, added to an empty lab state. VMs come from DEMO_VMS.

const GiB = 1024 ** 3;

export interface DemoVm {
  name: string;
  guest: { family: GuestFamily; osName: string; osVersion: string };
  numCpus: number;
  memoryMib: number;
  diskMib: number[];
  datastore: 0 | 1;
  host: 0 | 1;
  pool: "Production" | "Development";
  network: string;
  powerOn: boolean;
  tags: string[];
}

const ubuntu = { family: "linux", osName: "Ubuntu Linux (64-bit)", osVersion: "22.04.4 LTS" } as const;
const rhel = { family: "linux", osName: "Red Hat Enterprise Linux 9 (64-bit)", osVersion: "9.4" } as const;
const debian = { family: "linux", osName: "Debian GNU/Linux 12 (64-bit)", osVersion: "12.5" } as const;
const win2022 = { family: "windows", osName: "Microsoft Windows Server 2022 (64-bit)", osVersion: "10.0.20348" } as const;

export const DEMO_VMS: readonly DemoVm[] = [
  { name: "web-01", guest: ubuntu, numCpus: 2, memoryMib: 4096, diskMib: [128], datastore: 0, host: 0, pool: "Production", network: "Production-VLAN100", powerOn: true, tags: ["Silver", "Production"] },
  { name: "web-02", guest: ubuntu, numCpus: 2, memoryMib: 4096, diskMib: [128], datastore: 0, host: 1, pool: "Production", network: "Production-VLAN100", powerOn: true, tags: ["Silver", "Production"] },
  { name: "db-01", guest: rhel, numCpus: 4, memoryMib: 16384, diskMib: [160, 256], datastore: 0, host: 0, pool: "Production", network: "Production-VLAN100", powerOn: true, tags: ["Gold", "Production"] },
  { name: "app-01", guest: win2022, numCpus: 4, memoryMib: 8192, diskMib: [192, 64], datastore: 1, host: 1, pool: "Production", network: "VM Network", powerOn: true, tags: ["Gold", "Production"] },
  { name: "file-01", guest: win2022, numCpus: 2, memoryMib: 8192, diskMib: [256], datastore: 1, host: 0, pool: "Production", network: "VM Network", powerOn: true, tags: ["Silver", "Production"] },
  { name: "dev-01", guest: debian, numCpus: 2, memoryMib: 2048, diskMib: [96], datastore: 1, host: 1, pool: "Development", network: "VM Network", powerOn: false, tags: ["Development"] },
];

/** Adds the demo infrastructure to `state`; returns ids the VM placement needs. */
export function addDemoTopology(state: LabState) {
  const obj = (prefix: string, name: string) => ({ id: randomUUID(), moref: nextMoref(state, prefix), name });
  const dc = obj("datacenter-", "Datacenter-Lab");
  state.datacenters.push(dc);
  const folder = (type: FolderType, name: string, parent: Folder | null): Folder => {
    const f: Folder = { ...obj(`group-${type[0]?.toLowerCase()}`, name), datacenterId: dc.id, type, parentId: parent?.id ?? null, childIds: [] };
    parent?.childIds.push(f.id);
    state.folders.push(f);
    return f;
  };
  const vmRoot = folder("VM", "vm", null);
  const vmFolders = { Production: folder("VM", "Production", vmRoot), Development: folder("VM", "Development", vmRoot) };
  folder("HOST", "host", null);
  const datastoreFolder = folder("DATASTORE", "datastore", null);
  folder("NETWORK", "network", null);

  const clusterRef = obj("domain-c", "Cluster-01");
  const pool = (name: string, parent: ResourcePool | null): ResourcePool => {
    const p: ResourcePool = { ...obj("resgroup-", name), datacenterId: dc.id, clusterId: clusterRef.id, parentId: parent?.id ?? null, childIds: [] };
    parent?.childIds.push(p.id);
    state.resourcePools.push(p);
    return p;
  };
  const rootPool = pool("Resources", null);
  const pools = { Production: pool("Production", rootPool), Development: pool("Development", rootPool) };

  const networks = [["VM Network", 0], ["Production-VLAN100", 100], ["Management", 10]] as const;
  for (const [name, vlanId] of networks) {
    state.networks.push({ ...obj("network-", name), datacenterId: dc.id, hostIds: [], vlanId, kind: "standardPortgroup" });
  }
  const datastores: [string, DatastoreType, number][] = [["ds-ssd-01", "VMFS", 2048 * GiB], ["ds-nfs-01", "NFS", 4096 * GiB]];
  for (const [name, type, capacityBytes] of datastores) {
    const id = randomUUID();
    const url = type === "NFS" ? `ds:///vmfs/volumes/${id.slice(0, 8)}-nfs/` : `ds:///vmfs/volumes/${id}/`;
    state.datastores.push({ ...obj("datastore-", name), id, datacenterId: dc.id, clusterId: clusterRef.id, folderId: datastoreFolder.id, hostIds: [], type, capacityBytes, url, dir: `datastores/${name}` });
  }
  for (const [i, name] of ["esxi-01.lab.local", "esxi-02.lab.local"].entries()) {
    const host = {
      ...obj("host-", name),
      datacenterId: dc.id,
      clusterId: clusterRef.id,
      folderId: null,
      networkAddress: `10.10.0.${11 + i}`,
      version: "8.0.3",
      build: "24022510",
      cpu: { sockets: 2, cores: 16, threads: 32, speedHz: 2_600_000_000, model: "Intel(R) Xeon(R) Gold 6342 CPU @ 2.80GHz", vendor: "GenuineIntel" },
      memoryBytes: 256 * GiB,
      networkIds: state.networks.map((n) => n.id),
      datastoreIds: state.datastores.map((d) => d.id),
      connectionState: "connected" as const,
    };
    state.hosts.push(host);
    for (const n of state.networks) n.hostIds.push(host.id);
    for (const d of state.datastores) d.hostIds.push(host.id);
  }
  state.clusters.push({
    ...clusterRef,
    datacenterId: dc.id,
    hostIds: state.hosts.map((h) => h.id),
    networkIds: state.networks.map((n) => n.id),
    datastoreIds: state.datastores.map((d) => d.id),
    rootResourcePoolId: rootPool.id,
    cpuCapacityMhz: state.hosts.length * 32 * 2600,
    memoryBytes: state.hosts.length * 256 * GiB,
  });
  const tag = (category: string, name: string, description: string) =>
    state.tags.push({ id: randomUUID(), moref: `urn:vmomi:InventoryServiceTag:${randomUUID()}:GLOBAL`, name, category, description, attachedIds: [] });
  tag("Backup Tier", "Gold", "Hourly protection");
  tag("Backup Tier", "Silver", "Daily protection");
  tag("Environment", "Production", "Production workloads");
  tag("Environment", "Development", "Development workloads");
  return { vmFolders, pools };
}
