// The port through which protection stores find the storage system that hosts them: a protection
// store gateway (a lab VM appliance) or a StoreOnce (a lab storage host). Services that host
// stores implement it; the protection-store use cases depend on this interface only.
import type { UnitOfWork } from "../async-operations.ts";

export type StorageSystemType = "PROTECTION_STORE_GATEWAY" | "STOREONCE";

export interface StorageSystemRef {
  id: string;
  /** The contract's `storageSystemInfo` of a store hosted here. */
  info: { id: string; displayName: string; resourceUri: string; type: StorageSystemType };
  /** Absolute directory under which this system's on-premises stores keep their chunk stores. */
  storeRoot: string;
  /** Bytes the system may hold in all, and bytes its filesystem has free now. */
  capacityBytes: number;
  freeBytes: number;
  /** Data orchestrators that move data into this system's stores. */
  dataOrchestratorIds: readonly string[];
}

export interface StorageSystems {
  /** The system of this workspace with that id, of either type; undefined when none (or another workspace's). */
  find(workspaceId: string, id: string, uow?: UnitOfWork): Promise<StorageSystemRef | undefined>;
}
