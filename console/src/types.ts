// The resources the pages show. Served collections take their types from the SDK (generated from
// this server's /openapi.json); the protection endpoints other branches are adding are typed
// here from the contract (backup-recovery.json), with the fields the pages read.
import type { ListItem, paths } from "../../src/sdk/index.ts";
import type { Duration, ScheduleShape } from "./format.ts";

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

interface Ref {
  id: string;
  name?: string;
  displayName?: string;
  resourceUri?: string;
  type?: string;
}

/** DataManagementJobsDetail (GET /protection-jobs). */
export interface ProtectionJob {
  id: string;
  assetInfo?: Ref;
  protectionPolicyInfo?: Ref;
  operational?: "ACTIVE" | "SUSPENDED" | "PARTIALLY_SUSPENDED" | "PERMANENTLY_SUSPENDED";
  protections?: Array<{
    id: string;
    type?: string;
    schedules?: Array<{
      scheduleId: number;
      name?: string;
      operational?: "ACTIVE" | "SUSPENDED";
      nextRunTime?: string;
      prevRunTime?: string;
      executionStatuses?: Array<{ status?: string; timestamp?: string; errorMessage?: string }>;
      expireAfter?: Duration;
      schedule?: ScheduleShape;
    }>;
  }>;
}

/** VirtualMachineSnapshot and VirtualMachineBackup: the fields a copy list shows. */
export interface Copy {
  id: string;
  name?: string;
  description?: string;
  pointInTime?: string;
  createdAt?: string;
  expiresAt?: string;
  lockedUntil?: string;
  state?: string;
  status?: string;
  backupType?: "BACKUP" | "CLOUD_BACKUP";
  snapshotType?: "SNAPSHOT";
  protectionStoreInfo?: Ref;
}

export type CopyKind = "SNAPSHOT" | "BACKUP" | "CLOUD_BACKUP";
export const copyKind = (c: Copy): CopyKind => c.backupType ?? "SNAPSHOT";
