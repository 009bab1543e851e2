// Read-only inventory collections: clusters and hosts at the top level, and the objects listed
// under /virtualization/v1beta1/hypervisor-managers/{id}/...
import { VIRTUALIZATION_BASE } from "../../domain/inventory-paths.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import {
  HypervisorFolderSchema,
  HypervisorLibraryImageSchema,
  HypervisorNetworkSchema,
  HypervisorResourcePoolSchema,
  HypervisorTagSchema,
} from "../../domain/schemas/hypervisor-child-schemas.ts";
import { HypervisorClusterSchema, HypervisorHostSchema } from "../../domain/schemas/hypervisor-schemas.ts";
import { UNDER_MANAGER, inventoryCollection } from "./inventory-collection.ts";

export const hypervisorClusters: CollectionDefinition = inventoryCollection({
  name: "hypervisor-clusters",
  table: "hypervisor_clusters",
  path: `${VIRTUALIZATION_BASE}/hypervisor-clusters`,
  idParam: "cluster-id",
  schema: HypervisorClusterSchema,
  listOperationId: "HypervisorClusterList",
  getOperationId: "HypervisorCluster",
  what: "hypervisor cluster",
});

export const hypervisorHosts: CollectionDefinition = inventoryCollection({
  name: "hypervisor-hosts",
  table: "hypervisor_hosts",
  path: `${VIRTUALIZATION_BASE}/hypervisor-hosts`,
  idParam: "host-id",
  schema: HypervisorHostSchema,
  listOperationId: "HypervisorHostList",
  getOperationId: "HypervisorHost",
  what: "hypervisor host",
});

// compat: the contract's lists of folders, networks, resource pools and tags name the manager
// {uuid}; its other paths under a manager name it {hypervisor-id}.
const child = (name: string, segment: string, idParam: string, schema: CollectionDefinition["schema"], list: string, get: string, what: string, listManagerParam = "uuid") =>
  inventoryCollection({ name, table: name.replaceAll("-", "_"), path: `${UNDER_MANAGER}/${segment}`, idParam, schema, listOperationId: list, getOperationId: get, what, underManager: true, ...(listManagerParam !== "hypervisor-id" ? { listManagerParam } : {}) });

export const hypervisorFolders = child("hypervisor-folders", "folders", "folder-id", HypervisorFolderSchema, "HypervisorFolderList", "HypervisorFolder", "folder");
export const hypervisorNetworks = child("hypervisor-networks", "networks", "network-id", HypervisorNetworkSchema, "HypervisorNetworkList", "HypervisorNetwork", "network");
export const hypervisorResourcePools = child(
  "hypervisor-resource-pools",
  "resource-pools",
  "pool-id",
  HypervisorResourcePoolSchema,
  "HypervisorResourcePoolList",
  "HypervisorResourcePool",
  "resource pool",
);
export const hypervisorTags = child("hypervisor-tags", "tags", "tag-id", HypervisorTagSchema, "HypervisorTagList", "HypervisorTag", "tag");
export const hypervisorLibraryImages = child(
  "hypervisor-library-images",
  "hypervisor-library-images",
  "hypervisor-library-image-id",
  HypervisorLibraryImageSchema,
  "ListVirtualMachineImages",
  "GetVirtualMachineImage",
  "hypervisor library image",
  "hypervisor-id",
);
