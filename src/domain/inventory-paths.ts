// Where each inventory kind lives under /virtualization/v1beta1 and its resource `type` string.
// Objects below a hypervisor manager (networks, folders, ...) have paths that include its id.

export const VIRTUALIZATION_BASE = "/virtualization/v1beta1";
export const HYPERVISOR_MANAGERS_V1ALPHA1 = "/backup-recovery/v1alpha1/hypervisor-managers";

export type InventoryKind =
  | "hypervisor-manager"
  | "hypervisor-cluster"
  | "hypervisor-host"
  | "datastore"
  | "virtual-machine"
  | "hypervisor-network"
  | "hypervisor-folder"
  | "hypervisor-resource-pool"
  | "hypervisor-tag"
  | "hypervisor-library-image";

const TOP_LEVEL: Partial<Record<InventoryKind, string>> = {
  "hypervisor-manager": "hypervisor-managers",
  "hypervisor-cluster": "hypervisor-clusters",
  "hypervisor-host": "hypervisor-hosts",
  datastore: "datastores",
  "virtual-machine": "virtual-machines",
};

const UNDER_MANAGER: Partial<Record<InventoryKind, string>> = {
  "hypervisor-network": "networks",
  "hypervisor-folder": "folders",
  "hypervisor-resource-pool": "resource-pools",
  "hypervisor-tag": "tags",
  "hypervisor-library-image": "hypervisor-library-images",
};

/** The resource `type` of a kind ("virtualization/virtual-machine"). */
export const typeOf = (kind: InventoryKind): string => `virtualization/${kind}`;

/** The object's resourceUri; sub-collection kinds need their hypervisor manager's id. */
export function resourceUriOf(kind: InventoryKind, id: string, managerId: string): string {
  const top = TOP_LEVEL[kind];
  if (top) return `${VIRTUALIZATION_BASE}/${top}/${id}`;
  return `${VIRTUALIZATION_BASE}/hypervisor-managers/${managerId}/${UNDER_MANAGER[kind]}/${id}`;
}

export const DATA_ORCHESTRATORS_PATH = "/backup-recovery/v1beta1/data-orchestrators";
export const DATA_ORCHESTRATOR_TYPE = "backup-recovery/data-orchestrator";
