// Every collection the server exposes: a definition plus the use cases behind its writes.
import type { UseCases } from "../services/use-cases.ts";
import type { CollectionDefinition } from "./resource/collection-definition.ts";
import type { CollectionHandlers } from "./resource/operation-handlers.ts";
import { asyncOperations } from "./resources/async-operations.ts";
import { dataOrchestratorHandlers, dataOrchestrators } from "./resources/data-orchestrators.ts";
import { datastoreHandlers, datastores } from "./resources/datastores.ts";
import {
  hypervisorClusters,
  hypervisorFolders,
  hypervisorHosts,
  hypervisorLibraryImages,
  hypervisorNetworks,
  hypervisorResourcePools,
  hypervisorTags,
} from "./resources/hypervisor-inventory.ts";
import { hypervisorManagerHandlers, hypervisorManagers } from "./resources/hypervisor-managers.ts";
import { protectionPolicies, protectionPolicyHandlers } from "./resources/protection-policies.ts";
import { protectionJobHandlers, protectionJobs } from "./resources/protection-jobs.ts";
import { protectionStoreGatewayHandlers, protectionStoreGateways } from "./resources/protection-store-gateways.ts";
import { storeOnceHandlers, storeOnces } from "./resources/storeonces.ts";
import { protectionStoreHandlers, protectionStores } from "./resources/protection-stores.ts";
import { virtualMachineHandlers, virtualMachines } from "./resources/virtual-machines.ts";
import { virtualMachineBackupHandlers, virtualMachineBackups, virtualMachineSnapshotHandlers, virtualMachineSnapshots } from "./resources/virtual-machine-copies.ts";

export interface CollectionEntry {
  definition: CollectionDefinition;
  handlers: (useCases: UseCases) => CollectionHandlers;
}

const readOnly = (): CollectionHandlers => ({});

export const COLLECTIONS: readonly CollectionEntry[] = [
  { definition: protectionPolicies, handlers: (u) => protectionPolicyHandlers(u.protectionPolicies) },
  { definition: asyncOperations, handlers: readOnly },
  { definition: protectionStores, handlers: (u) => protectionStoreHandlers(u.protectionStores) },
  { definition: hypervisorManagers, handlers: (u) => hypervisorManagerHandlers(u.hypervisorManagers) },
  { definition: virtualMachines, handlers: (u) => virtualMachineHandlers(u.virtualMachines, u.restores) },
  { definition: datastores, handlers: (u) => datastoreHandlers(u.datastores) },
  { definition: hypervisorClusters, handlers: readOnly },
  { definition: hypervisorHosts, handlers: readOnly },
  { definition: hypervisorFolders, handlers: readOnly },
  { definition: hypervisorNetworks, handlers: readOnly },
  { definition: hypervisorResourcePools, handlers: readOnly },
  { definition: hypervisorTags, handlers: readOnly },
  { definition: hypervisorLibraryImages, handlers: readOnly },
  { definition: dataOrchestrators, handlers: (u) => dataOrchestratorHandlers(u.dataOrchestrators) },
  { definition: protectionStoreGateways, handlers: (u) => protectionStoreGatewayHandlers(u.protectionStoreGateways) },
  { definition: storeOnces, handlers: (u) => storeOnceHandlers(u.storeOnces) },
  { definition: virtualMachineSnapshots, handlers: (u) => virtualMachineSnapshotHandlers(u.copies) },
  { definition: virtualMachineBackups, handlers: (u) => virtualMachineBackupHandlers(u.copies) },
  { definition: protectionJobs, handlers: (u) => protectionJobHandlers(u.protectionJobs) },
];
