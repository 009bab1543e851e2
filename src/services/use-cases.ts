// Every use case the api, the jobs and the CLI may call, built once by the composition root.
import type { DataOrchestratorUseCases } from "./infrastructure/data-orchestrator-use-cases.ts";
import type { GatewayUseCases } from "./infrastructure/gateway-use-cases.ts";
import type { StorageSystems } from "./infrastructure/storage-systems.ts";
import type { StoreOnceUseCases } from "./infrastructure/storeonces.ts";
import type { ProtectionStoreUseCases } from "./infrastructure/protection-stores.ts";
import type { DatastoreUseCases } from "./inventory/datastore-actions.ts";
import type { HypervisorManagerUseCases } from "./inventory/hypervisor-manager-registration.ts";
import type { VirtualMachineUseCases } from "./inventory/virtual-machine-actions.ts";
import type { ProtectionPolicyUseCases } from "./protection-policies.ts";
import type { RestoreUseCases } from "./protection/restore.ts";
import type { BackupVerifyUseCases } from "./protection/backup-verify.ts";
import type { CopyUseCases } from "./protection/copy-use-cases.ts";
import type { CopyFilesUseCases } from "./protection/copy-files.ts";
import type { ProtectionJobUseCases } from "./protection/protection-jobs.ts";

export interface UseCases {
  protectionPolicies: ProtectionPolicyUseCases;
  hypervisorManagers: HypervisorManagerUseCases;
  virtualMachines: VirtualMachineUseCases;
  datastores: DatastoreUseCases;
  dataOrchestrators: DataOrchestratorUseCases;
  protectionStoreGateways: GatewayUseCases;
  storeOnces: StoreOnceUseCases;
  /** Where protection stores live: gateways and StoreOnce appliances behind one port. */
  storageSystems: StorageSystems;
  protectionStores: ProtectionStoreUseCases;
  /** VM restores from snapshots and backups (actions on the Virtualization VM under the BR API). */
  restores: RestoreUseCases;
  /** On-demand verification of a backup (POST /obr/v1/backups/{id}/verify). */
  backupVerify: BackupVerifyUseCases;
  /** The files inside a copy (GET /obr/v1/virtual-machines/{id}/copies/{copy-id}/files). */
  copyFiles: CopyFilesUseCases;
  /** PATCH and DELETE of VM snapshots and backups, and the expiry worker's deletes. */
  copies: CopyUseCases;
  protectionJobs: ProtectionJobUseCases;
}
