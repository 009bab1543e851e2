// Every collection the server exposes, each a definition plus the service that handles its writes.
import type { DocumentRepository } from "../db/document-repository.ts";
import type { InventoryContext } from "../services/inventory/inventory-context.ts";
import { datastoreHandlers } from "../services/inventory/datastore-actions.ts";
import { hypervisorManagerHandlers } from "../services/inventory/hypervisor-manager-registration.ts";
import { virtualMachineHandlers } from "../services/inventory/virtual-machine-actions.ts";
import { protectionPolicyHandlers } from "../services/protection-policies.ts";
import type { CollectionDefinition, CollectionHandlers } from "./resource/collection-definition.ts";
import { asyncOperations } from "./resources/async-operations.ts";
import { datastores } from "./resources/datastores.ts";
import {
  hypervisorClusters,
  hypervisorFolders,
  hypervisorHosts,
  hypervisorLibraryImages,
  hypervisorNetworks,
  hypervisorResourcePools,
  hypervisorTags,
} from "./resources/hypervisor-inventory.ts";
import { hypervisorManagerRegistrations, hypervisorManagers } from "./resources/hypervisor-managers.ts";
import { protectionPolicies } from "./resources/protection-policies.ts";
import { virtualMachines } from "./resources/virtual-machines.ts";

/** What services handlers need beyond their collection's repository. */
export interface HandlerDeps {
  inventory: InventoryContext;
}

export interface CollectionEntry {
  definition: CollectionDefinition;
  handlers: (repository: DocumentRepository, deps: HandlerDeps) => CollectionHandlers;
}

const readOnly = (repository: DocumentRepository): CollectionHandlers => ({ repository });

export const COLLECTIONS: readonly CollectionEntry[] = [
  { definition: protectionPolicies, handlers: protectionPolicyHandlers },
  { definition: asyncOperations, handlers: readOnly },
  { definition: hypervisorManagers, handlers: (r, d) => hypervisorManagerHandlers(d.inventory).reads(r) },
  // Same collection (and table) as hypervisorManagers: the v1alpha1 writes.
  { definition: hypervisorManagerRegistrations, handlers: (r, d) => hypervisorManagerHandlers(d.inventory).writes(r) },
  { definition: virtualMachines, handlers: (r, d) => virtualMachineHandlers(d.inventory)(r) },
  { definition: datastores, handlers: (r, d) => datastoreHandlers(d.inventory)(r) },
  { definition: hypervisorClusters, handlers: readOnly },
  { definition: hypervisorHosts, handlers: readOnly },
  { definition: hypervisorFolders, handlers: readOnly },
  { definition: hypervisorNetworks, handlers: readOnly },
  { definition: hypervisorResourcePools, handlers: readOnly },
  { definition: hypervisorTags, handlers: readOnly },
  { definition: hypervisorLibraryImages, handlers: readOnly },
];
