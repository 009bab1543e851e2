// Row shapes of the tables. Every resource table stores the resource as one JSON document (`doc`)
// plus promoted columns that mirror attributes used for indexing, tenancy and the job queue.

export interface DocumentRow {
  id: string;
  customer_id: string;
  generation: number;
  created_at: string;
  updated_at: string;
  /** The whole resource as JSON text (jsonb on PostgreSQL, read back as text). */
  doc: string;
}

export interface ProtectionPolicyRow extends DocumentRow {
  name: string | null;
}

export interface AsyncOperationRow extends DocumentRow {
  state: string;
  parent_id: string | null;
  /** Job type the worker dispatches on; null for records that run no code. */
  job_type: string | null;
  job_payload: string | null;
  /** queued | running | waiting (for its children, holding no worker slot) | done */
  queue_state: string;
  lease_owner: string | null;
  /** Epoch ms until which lease_owner holds the job. */
  lease_until: number | null;
  attempts: number;
  /** Epoch ms before which the job is not claimed. */
  run_after: number;
  /** Migration 004: unique among the tenant's unfinished operations. */
  job_key: string | null;
  /** At most one running (or waiting) job per key and tenant. */
  concurrency_key: string | null;
  /** Data orchestrator that must run the job; null: any worker. */
  target: string | null;
  /** Higher runs first. */
  priority: number;
  /** Runs before a transient failure or an interruption ends the job; null: the job type's. */
  max_attempts: number | null;
  /** Root of the operation's tree (null for a root). */
  root_id: string | null;
  /** Mirrors doc.progressPercent for the queue's own use (a parent's mean). */
  progress_percent: number;
  /** Migration 011: the operation that must be done before this job is claimed (its sibling in a sequence). */
  after_id: string | null;
}

/** Inventory tables (migration 003): every document belongs to one hypervisor manager. */
export interface InventoryRow extends DocumentRow {
  name: string | null;
  hypervisor_manager_id: string | null;
}

/** Protection store gateways and StoreOnce appliances (migration 009). */
export interface StorageSystemRow extends DocumentRow {
  name: string | null;
  serial_number: string | null;
}

/** Secrets of storage systems, never part of a resource document (migration 009). */
export interface StorageSystemSecretRow {
  customer_id: string;
  owner_id: string;
  kind: string;
  value: string;
  updated_at: string;
}

/** Copies (migration 012): `snapshots` and `backups`, shared by every asset kind (`asset_type`). */
export interface CopyRow extends DocumentRow {
  asset_type: string;
  asset_id: string;
  name: string | null;
  state: string | null;
  status: string | null;
  point_in_time: string | null;
  expires_at: string | null;
  locked_until: string | null;
  schedule_id: number | null;
  /** Private: the run's operation and disk set, unique per workspace. */
  origin_key: string;
  protection_job_id: string | null;
  /** Private JSON: CopyParts (src/services/protection/copy-index.ts). */
  parts: string;
}

export interface BackupRow extends CopyRow {
  backup_type: string | null;
  protection_store_id: string | null;
  source_copy_id: string | null;
  source_backup_id: string | null;
}

export interface ApiClientRow {
  id: string;
  customer_id: string;
  client_id: string;
  /** scrypt$N$r$p$salt$hash (base64url) — the secret itself is never stored. */
  secret_hash: string;
  name: string;
  role: string;
  created_at: string;
}

/** Every workspace ever created (migration 006): its id is never handed out again. */
export interface WorkspaceRow {
  id: string;
  created_at: string;
}

/** Protection jobs (migration 011): every attribute the list filters on, and the policy reference. */
export interface ProtectionJobRow extends DocumentRow {
  asset_id: string | null;
  asset_type: string | null;
  asset_name: string | null;
  asset_resource_uri: string | null;
  operational: string | null;
  data_orchestrator_id: string | null;
  protection_policy_id: string | null;
  protection_policy_name: string | null;
}

/** The scheduler's row per (protection job, schedule) (migration 011); times are epoch ms. */
export interface ProtectionScheduleRow {
  customer_id: string;
  protection_job_id: string;
  schedule_id: number;
  rule: string;
  time_zone: string;
  anchor_at: number;
  next_fire_at: number | null;
  suspended: number;
  last_slot: number | null;
  last_operation_id: string | null;
}

export interface Tables {
  api_clients: ApiClientRow;
  workspaces: WorkspaceRow;
  protection_policies: ProtectionPolicyRow;
  async_operations: AsyncOperationRow;
  hypervisor_managers: InventoryRow;
  hypervisor_clusters: InventoryRow;
  hypervisor_hosts: InventoryRow;
  datastores: InventoryRow;
  virtual_machines: InventoryRow;
  hypervisor_networks: InventoryRow;
  hypervisor_folders: InventoryRow;
  hypervisor_resource_pools: InventoryRow;
  hypervisor_tags: InventoryRow;
  hypervisor_library_images: InventoryRow;
  data_orchestrators: DataOrchestratorRow;
  orchestrator_activations: OrchestratorActivationRow;
  protection_store_gateways: StorageSystemRow;
  storeonces: StorageSystemRow;
  storage_system_secrets: StorageSystemSecretRow;
  snapshots: CopyRow;
  backups: BackupRow;
  protection_jobs: ProtectionJobRow;
  protection_schedules: ProtectionScheduleRow;
}

/** Migration 008: how the orchestrator runs, its last heartbeat (epoch ms) and its secrets' hashes. */
export interface DataOrchestratorRow extends InventoryRow {
  deployment: string | null;
  heartbeat_at: number | null;
  connection_state: string | null;
  credential_hash: string | null;
  totp_seed: string | null;
}

/** An activation code an `obr orchestrator` process announced; paired once, then its credential issued once. */
export interface OrchestratorActivationRow {
  activation_code: string;
  poll_secret_hash: string;
  facts: string;
  created_at: number;
  customer_id: string | null;
  orchestrator_id: string | null;
  credential_issued: number;
}
