// The resources the pages show, typed by the SDK (generated from this server's /openapi.json).
import type { ListItem, paths } from "../../src/sdk/index.ts";

export const PATHS = {
  vms: "/virtualization/v1beta1/virtual-machines",
  policies: "/backup-recovery/v1beta1/protection-policies",
  stores: "/backup-recovery/v1beta1/protection-stores",
  operations: "/data-services/v1beta1/async-operations",
  orchestrators: "/backup-recovery/v1beta1/data-orchestrators",
  gateways: "/backup-recovery/v1beta1/protection-store-gateways",
  managers: "/virtualization/v1beta1/hypervisor-managers",
  hosts: "/virtualization/v1beta1/hypervisor-hosts",
  clusters: "/virtualization/v1beta1/hypervisor-clusters",
  datastores: "/virtualization/v1beta1/datastores",
  jobs: "/backup-recovery/v1beta1/protection-jobs",
  vmCopies: (vmId: string, kind: "snapshots" | "backups") => `/backup-recovery/v1beta1/virtual-machines/${encodeURIComponent(vmId)}/${kind}`,
  vmRestore: (vmId: string) => `/backup-recovery/v1beta1/virtual-machines/${encodeURIComponent(vmId)}/restore`,
  vmRestoreFiles: (vmId: string) => `/backup-recovery/v1beta1/virtual-machines/${encodeURIComponent(vmId)}/restore-files`,
  /** obr's browse call: one directory of a copy's file system. */
  copyFiles: (vmId: string, copyId: string) => `/obr/v1/virtual-machines/${encodeURIComponent(vmId)}/copies/${encodeURIComponent(copyId)}/files`,
} as const;

export type Vm = ListItem<typeof PATHS.vms>;
export type Policy = ListItem<typeof PATHS.policies>;
export type PolicyCreate = paths[typeof PATHS.policies]["post"]["requestBody"]["content"]["application/json"];
export type Store = ListItem<typeof PATHS.stores>;
export type Operation = ListItem<typeof PATHS.operations>;
export type Orchestrator = ListItem<typeof PATHS.orchestrators>;
export type Gateway = ListItem<typeof PATHS.gateways>;
export type Manager = ListItem<typeof PATHS.managers>;
export type Host = ListItem<typeof PATHS.hosts>;
export type Cluster = ListItem<typeof PATHS.clusters>;
export type Datastore = ListItem<typeof PATHS.datastores>;

/** DataManagementJobsDetail (GET /protection-jobs). */
export type ProtectionJob = ListItem<typeof PATHS.jobs>;
export type Snapshot = ListItem<"/backup-recovery/v1beta1/virtual-machines/{id}/snapshots">;
export type Backup = ListItem<"/backup-recovery/v1beta1/virtual-machines/{id}/backups">;
/** A VM's snapshot or backup, as the copy lists show them. */
export type Copy = Snapshot | Backup;
export type ProtectionStatus = NonNullable<Vm["protectionStatus"]>;

/** A page of the browse call. */
export type CopyFiles = paths["/obr/v1/virtual-machines/{id}/copies/{copyId}/files"]["get"]["responses"][200]["content"]["application/json"];

export type CopyKind = "SNAPSHOT" | "BACKUP" | "CLOUD_BACKUP";
export const copyKind = (c: Copy): CopyKind => ("backupType" in c && c.backupType ? c.backupType : "SNAPSHOT");
