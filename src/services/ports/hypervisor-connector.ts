// The port through which services reach hypervisor managers (vCenter-like). Callers depend only on
// this file; src/connectors/ implements it (the built-in `lab` connector, later a real vCenter one)
// and container.ts builds the registry.
//
// Identity: every inventory object has `id`, a UUID that stays the same across rediscovery (the
// lab stores it; a vCenter connector derives it from the vCenter instance UUID and the moref), and
// `moref`, the hypervisor's own reference ("vm-1001", "host-12", "datastore-21").
// Units: bytes unless the name says otherwise. Timestamps: ISO-8601 UTC strings.
// Errors: ConnectorError (connector-error.ts) by kind: not-found (unknown object), conflict (wrong
// state), bad-argument, precondition (an unusable changeId), unavailable, corrupt.

export type PowerState = "poweredOn" | "poweredOff" | "suspended";
export type PowerOperation = "powerOn" | "powerOff" | "suspend" | "reset" | "shutdownGuest" | "restartGuest";
export type GuestFamily = "linux" | "windows" | "other";
export type ToolsStatus = "ok" | "notRunning" | "notInstalled" | "old";
export type DatastoreType = "VMFS" | "NFS" | "VVOL" | "VSAN";
export type FolderType = "VM" | "HOST" | "DATASTORE" | "NETWORK";

/** Fields every inventory object carries. */
export interface InventoryObject {
  id: string;
  moref: string;
  name: string;
}

export interface HypervisorManagerInfo extends InventoryObject {
  /** UUID of the vCenter instance itself. */
  instanceUuid: string;
  networkAddress: string;
  productName: string;
  releaseVersion: string;
  buildVersion: string;
}

export type Datacenter = InventoryObject;

export interface Cluster extends InventoryObject {
  datacenterId: string;
  hostIds: string[];
  networkIds: string[];
  datastoreIds: string[];
  /** Root resource pool of the cluster ("Resources"). */
  rootResourcePoolId: string;
  cpuCapacityMhz: number;
  memoryBytes: number;
}

export interface Host extends InventoryObject {
  datacenterId: string;
  /** Host belongs to a cluster, or sits directly in a host folder. */
  clusterId: string | null;
  folderId: string | null;
  networkAddress: string;
  version: string;
  build: string;
  cpu: { sockets: number; cores: number; threads: number; speedHz: number; model: string; vendor: string };
  memoryBytes: number;
  networkIds: string[];
  datastoreIds: string[];
  connectionState: "connected" | "disconnected";
}

export interface Datastore extends InventoryObject {
  datacenterId: string;
  clusterId: string | null;
  folderId: string | null;
  hostIds: string[];
  type: DatastoreType;
  capacityBytes: number;
  freeBytes: number;
  /** Provisioned but not yet allocated bytes of thin disks on this datastore. */
  uncommittedBytes: number;
  /** Hypervisor-side URL ("ds:///vmfs/volumes/…"). */
  url: string;
}

export interface Network extends InventoryObject {
  datacenterId: string;
  hostIds: string[];
  vlanId: number;
  kind: "standardPortgroup" | "distributedPortgroup";
}

export interface Folder extends InventoryObject {
  datacenterId: string;
  type: FolderType;
  parentId: string | null;
  childIds: string[];
}

export interface ResourcePool extends InventoryObject {
  datacenterId: string;
  clusterId: string;
  parentId: string | null;
  childIds: string[];
}

export interface Tag extends InventoryObject {
  category: string;
  description: string;
  /** Ids of the tagged inventory objects (VMs, datastores, ...). */
  attachedIds: string[];
}

export interface VirtualDisk {
  /** Stable UUID of the disk (also its vmdk uuid). */
  id: string;
  /** Device key ("2000") and label ("Hard disk 1") as the hypervisor shows them. */
  key: number;
  label: string;
  capacityBytes: number;
  datastoreId: string;
  /** Hypervisor-side path: "[datastore1] web-01/web-01.vmdk". */
  filePath: string;
  provisioning: "thin" | "thick";
}

export interface NetworkAdapter {
  key: number;
  label: string;
  macAddress: string;
  macAddressType: "automatic" | "manual";
  networkId: string;
  connectAtPowerOn: boolean;
  connected: boolean;
}

export interface GuestInfo {
  family: GuestFamily;
  /** Full OS name as the tools report it ("Ubuntu Linux (64-bit)"). */
  osName: string;
  osVersion: string;
  /** Hostname and IP are known only while the VM runs with tools running (as in vCenter). */
  hostname: string | null;
  ipAddress: string | null;
  toolsStatus: ToolsStatus;
  toolsVersion: string;
}

export interface VirtualMachine extends InventoryObject {
  /** vCenter-unique instance UUID and the BIOS/SMBIOS UUID. */
  instanceUuid: string;
  biosUuid: string;
  powerState: PowerState;
  bootTime: string | null;
  guest: GuestInfo;
  numCpus: number;
  coresPerSocket: number;
  memoryMib: number;
  disks: VirtualDisk[];
  networkAdapters: NetworkAdapter[];
  datacenterId: string;
  clusterId: string | null;
  hostId: string;
  folderId: string;
  resourcePoolId: string;
  /** Datastores holding the config file and the disks. */
  datastoreIds: string[];
  /** "[datastore1] web-01/web-01.vmx" */
  configPath: string;
  template: boolean;
  changeTrackingEnabled: boolean;
  createdAt: string;
}

export interface Inventory {
  manager: HypervisorManagerInfo;
  datacenters: Datacenter[];
  clusters: Cluster[];
  hosts: Host[];
  datastores: Datastore[];
  networks: Network[];
  folders: Folder[];
  resourcePools: ResourcePool[];
  tags: Tag[];
  vms: VirtualMachine[];
  collectedAt: string;
}

/** A byte range of a disk; lists of them are sorted, non-overlapping and merged. */
export interface ChangedRange {
  offset: number;
  length: number;
}

export interface SnapshotDisk {
  diskId: string;
  capacityBytes: number;
  /**
   * Changed-block-tracking position of this disk at snapshot time. Keep it with the backup and
   * pass it as `sinceChangeId` when asking a later snapshot what changed (as vSphere's changeId).
   */
  changeId: string;
}

export interface VmSnapshot {
  id: string;
  vmId: string;
  name: string;
  description: string;
  createdAt: string;
  /** All disks of a snapshot are taken at the same instant (crash consistent). */
  consistency: "CRASH" | "APPLICATION";
  powerStateAtSnapshot: PowerState;
  disks: SnapshotDisk[];
}

export interface DiskReader {
  readonly capacityBytes: number;
  /** Reads exactly `length` bytes (clipped at the end of the disk); unallocated areas read as zeros. */
  read(offset: number, length: number): Promise<Buffer>;
  /** Fills `into` with the bytes at `offset` (zeros past the end): read() without a buffer of its own. */
  readInto(into: Uint8Array, offset: number): Promise<void>;
  /** Ranges that may hold data; everything outside reads as zeros. Cheap (no data read). */
  allocatedRanges(): Promise<ChangedRange[]>;
  close(): Promise<void>;
}

export interface DiskWriter {
  readonly diskId: string;
  readonly capacityBytes: number;
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Makes `offset..offset+length` read as zeros (writes only where data may exist). */
  zero(offset: number, length: number): Promise<void>;
  /** Makes the written bytes durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface DiskSpec {
  capacityBytes: number;
  /** Defaults to the VM's datastore. */
  datastoreId?: string;
}

export interface NetworkAdapterSpec {
  networkId: string;
  macAddress?: string;
  connectAtPowerOn?: boolean;
}

export interface CreateVmSpec {
  name: string;
  /** Placement; each defaults to the first matching object of the inventory. */
  datastoreId?: string;
  hostId?: string;
  folderId?: string;
  resourcePoolId?: string;
  numCpus?: number;
  coresPerSocket?: number;
  memoryMib?: number;
  guest?: { family: GuestFamily; osName: string; osVersion?: string; hostname?: string };
  disks: DiskSpec[];
  networkAdapters?: NetworkAdapterSpec[];
  powerOn?: boolean;
}

export interface CreateDatastoreSpec {
  /** Unique among the manager's datastores (409 if taken); a plain name, no path (400). */
  name: string;
  type: DatastoreType;
  /** Positive whole number of bytes (400 otherwise). */
  capacityBytes: number;
  /** Cluster whose hosts all mount the new datastore (400 if unknown). */
  clusterId: string;
}

/** CPU and memory of a VM; an omitted field keeps its value. Whole positive numbers (400 otherwise). */
export interface VmHardwareChange {
  numCpus?: number;
  /** Defaults to the current value, capped at the new CPU count; must divide numCpus (400). */
  coresPerSocket?: number;
  memoryMib?: number;
}

/** Where a VM goes; an omitted field keeps that part of its placement (at least one is needed, 400). */
export interface RelocationTarget {
  /** Datastore to receive the VM's home directory and all its disks. */
  datastoreId?: string;
  /** Host to run on; it must belong to the target cluster. */
  hostId?: string;
  /** Target cluster; defaults to the cluster of hostId or resourcePoolId, else the VM's own. */
  clusterId?: string;
  /** Resource pool of the target cluster. */
  resourcePoolId?: string;
}

export interface SnapshotOptions {
  name?: string;
  description?: string;
  /** Ask the guest tools for an application-consistent snapshot (the lab records crash consistency). */
  quiesce?: boolean;
}

export interface HypervisorConnector {
  /** Address this connector was resolved from ("lab://demo"). */
  readonly address: string;
  /** Granularity (bytes) of changedRanges(): ranges are aligned to it, clipped at the disk end. */
  readonly changeBlockSize: number;

  discover(): Promise<Inventory>;
  getVm(vmId: string): Promise<VirtualMachine>;
  /**
   * Idempotency: an `operationId` (the async operation's id) makes a repeated call by a resumed
   * operation safe. powerVm returns the VM unchanged when that operation already applied its
   * change; createVm, createVmFromDisks and createDatastore return what it already created.
   */
  powerVm(vmId: string, operation: PowerOperation, operationId?: string): Promise<VirtualMachine>;
  createVm(spec: CreateVmSpec, operationId?: string): Promise<VirtualMachine>;
  /** The VM must not be powered on (409); its disks and snapshots are removed. */
  deleteVm(vmId: string): Promise<void>;

  createSnapshot(vmId: string, options?: SnapshotOptions): Promise<VmSnapshot>;
  listSnapshots(vmId: string): Promise<VmSnapshot[]>;
  deleteSnapshot(vmId: string, snapshotId: string): Promise<void>;
  /** Reads a disk as it was when the snapshot was taken, whatever the VM writes meanwhile. */
  openSnapshotDisk(vmId: string, snapshotId: string, diskId: string): Promise<DiskReader>;
  /**
   * Byte ranges of the snapshot's disk that changed since `sinceChangeId` (an earlier snapshot's
   * SnapshotDisk.changeId), or all allocated ranges when null. An unknown or stale changeId is
   * 412 PRECONDITION_FAILED: the caller must fall back to a full read.
   */
  changedRanges(vmId: string, snapshotId: string, diskId: string, sinceChangeId: string | null): Promise<ChangedRange[]>;

  /**
   * Creates an empty datastore mounted by every host of spec.clusterId and returns it. Unknown
   * cluster or bad name/capacity is 400; a datastore of that name already existing is 409.
   */
  createDatastore(spec: CreateDatastoreSpec, operationId?: string): Promise<Datastore>;
  /**
   * Changes CPU count, cores per socket and/or memory and returns the VM. The VM must be powered
   * off (409); unknown VM 404; bad numbers, or CPUs that do not split into whole sockets, 400.
   */
  reconfigureVm(vmId: string, change: VmHardwareChange): Promise<VirtualMachine>;
  /**
   * Moves a VM and returns it. Unknown VM 404. 400: an empty or unknown target, a host or pool
   * outside the target cluster, or a datastore (datastoreId, else the VM's current ones) that the
   * target host, else cluster, does not mount.
   * Compute, in any power state: a new cluster puts the VM on hostId (default: the cluster's
   * first host; 409 if it has none) and resourcePoolId (default: the cluster's root pool).
   * Storage: datastoreId moves the VM's home directory with all its disks there (nothing to do if
   * all are there already). That needs the VM powered off, without snapshots, and with every disk
   * inside its home directory (409 otherwise).
   */
  relocateVm(vmId: string, target: RelocationTarget): Promise<VirtualMachine>;

  /** Writer for restoring into an existing disk; the VM must be powered off (409). */
  openDiskWriter(vmId: string, diskId: string): Promise<DiskWriter>;
  /**
   * Creates a VM with blank disks (spec.disks), lets `fill` write them, then registers the VM
   * (powering it on if spec.powerOn). If `fill` throws, the VM is removed and the error rethrown.
   */
  createVmFromDisks(spec: CreateVmSpec, fill: (disks: DiskWriter[]) => Promise<void>, operationId?: string): Promise<VirtualMachine>;

  /**
   * Lets `edit` change a local image file holding the disk's current contents (a file system tool
   * writing guest files), then writes the blocks it changed into the disk as the guest would: in
   * any power state, recorded for changed-block tracking, snapshots kept. Unknown VM or disk 404.
   */
  editDiskImage<T>(vmId: string, diskId: string, edit: (image: string) => Promise<T>): Promise<T>;

  /**
   * The local directory of a VM's home, for appliances obr runs as lab VMs (a protection store
   * gateway keeps its stores there). Unknown VM 404.
   */
  vmDirectory(vmId: string): Promise<string>;

  close(): Promise<void>;
}

/** Maps a hypervisor manager's address to its connector (src/connectors/registry.ts builds it). */
export interface ConnectorRegistry {
  /** The connector for `address`; the same instance for the same address. */
  resolve(address: string): HypervisorConnector;
  close(): Promise<void>;
}
