// A protection tier split where the data moves: the control plane reads its database and writes
// a TierPlan (where the VM and the stores are, which snapshot and parent to use); the data
// orchestrator that runs the tier (embedded, or a separate `obr orchestrator` that never sees
// the database) moves the bytes and answers a TierResult; the control plane checks that result
// and lists the copy in the transaction that ends the tier. Both cross a process boundary, so
// both are schemas, checked where they are received.
import type { Static } from "typebox";
import { Type } from "typebox";
import { Duration } from "./run-request.ts";

const Id = Type.String({ minLength: 1, maxLength: 200 });
const Text = Type.String({ maxLength: 1000 });
const Bytes = Type.Integer({ minimum: 0 });
const Consistency = Type.Union([Type.Literal("CRASH"), Type.Literal("APPLICATION")]);

/** An S3 bucket prefix a cloud store lives under, with the credentials that reach it (S3StoreTarget). */
const S3At = Type.Object({
  endpoint: Type.Optional(Type.String({ maxLength: 1000 })),
  region: Type.String({ maxLength: 100 }),
  bucket: Type.String({ minLength: 1, maxLength: 255 }),
  prefix: Type.String({ maxLength: 1000 }),
  forcePathStyle: Type.Boolean(),
  accessKeyId: Type.String({ maxLength: 1000 }),
  secretAccessKey: Type.String({ maxLength: 1000 }),
});

/** A chunk store the data plane opens: its directory or S3 prefix and, when encrypted, its key. */
export const StoreAt = Type.Intersect([
  Type.Object({ id: Id, name: Text, key: Type.Optional(Type.String({ maxLength: 1000 })) }),
  Type.Union([Type.Object({ dir: Type.String({ minLength: 1, maxLength: 4096 }) }), Type.Object({ s3: S3At })]),
]);
export type StoreAt = Static<typeof StoreAt>;

export const CopyDiskSchema = Type.Object({
  diskId: Id,
  key: Type.Integer(),
  label: Text,
  capacityBytes: Bytes,
  ref: Id,
  changeId: Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]),
  storedBytes: Type.Optional(Bytes),
  newStoredBytes: Type.Optional(Bytes),
});

export const CopyVmConfigSchema = Type.Object({
  name: Text,
  numCpus: Type.Integer({ minimum: 0 }),
  coresPerSocket: Type.Integer({ minimum: 0 }),
  memoryMib: Type.Integer({ minimum: 0 }),
  guestOsName: Text,
  powerState: Text,
  hostId: Type.String({ maxLength: 200 }),
  datastoreId: Type.String({ maxLength: 200 }),
  networkIds: Type.Array(Id, { maxItems: 64 }),
});

const Disks = Type.Array(CopyDiskSchema, { minItems: 1, maxItems: 64 });

/** A snapshot the data plane takes: named after the operation, so the tier's undo finds it. */
const SnapshotTake = Type.Object({ name: Text, description: Text, quiesce: Type.Boolean() });

/** Where the hypervisor is (its connector address) and which VM. */
const VmAt = { address: Type.String({ minLength: 1, maxLength: 1000 }), vmId: Id };

/**
 * Common to every plan: the operation (labels of what it writes), and how far the control plane's
 * clock runs ahead of real time (the test clock), so a point in time reads on the control plane's clock.
 */
const Common = { operationId: Id, clockOffsetMs: Type.Number() };

/** How long the copies a backup tier writes stay locked after their point in time (the tier's lockFor). */
const LockFor = Type.Union([Duration, Type.Null()]);

export const SnapshotPlan = Type.Object({ kind: Type.Literal("SNAPSHOT"), ...Common, ...VmAt, take: SnapshotTake });

/** An existing snapshot copy the backup reads (the run's, or the source schedule's newest). */
const ListedSnapshot = Type.Object({ copyId: Id, snapshotId: Id, pointInTime: Bytes, vmConfig: CopyVmConfigSchema, disks: Disks });

export const BackupPlan = Type.Object({
  kind: Type.Literal("BACKUP"),
  ...Common,
  ...VmAt,
  store: StoreAt,
  /** The snapshot to read, or one to take for this tier and release after it. */
  source: Type.Union([Type.Object({ listed: ListedSnapshot }), Type.Object({ take: SnapshotTake })]),
  /**
   * The VM's newest backup in the store, unless a full backup was asked: images are incremental
   * against its disks; when it was verified, verify-after-write looks the shared chunks up only.
   */
  parent: Type.Union([Type.Object({ disks: Disks, generation: Type.Integer({ minimum: 1 }), verified: Type.Boolean() }), Type.Null()]),
  fullBackup: Type.Boolean(),
  /** VMWARE_CBT asks the connector for changed ranges; VOLUME re-reads. */
  changedBlocks: Type.Boolean(),
  lockFor: LockFor,
});

export const CopyPlan = Type.Object({
  kind: Type.Literal("COPY"),
  ...Common,
  from: StoreAt,
  to: StoreAt,
  source: Type.Object({ id: Id, pointInTime: Bytes, vmConfig: CopyVmConfigSchema, disks: Disks, generation: Type.Integer({ minimum: 1 }) }),
  /** The disks of the VM's newest verified backup in the cloud store: what the copy shares with it is looked up only. */
  verifiedInTarget: Type.Union([Disks, Type.Null()]),
  lockFor: LockFor,
});

export const TierPlan = Type.Union([SnapshotPlan, BackupPlan, CopyPlan]);
export type TierPlan = Static<typeof TierPlan>;
export type SnapshotPlan = Static<typeof SnapshotPlan>;
export type BackupPlan = Static<typeof BackupPlan>;
export type CopyPlan = Static<typeof CopyPlan>;

const Facts = {
  /** ms on the control plane's clock. */
  pointInTime: Bytes,
  consistency: Consistency,
  vmConfig: CopyVmConfigSchema,
  disks: Disks,
};

export const SnapshotResult = Type.Object({ kind: Type.Literal("SNAPSHOT"), ...Facts, snapshotId: Id });

export const BackupResult = Type.Object({
  kind: Type.Literal("BACKUP"),
  ...Facts,
  /** The copy it was made from (the snapshot copy read, or the backup copied). */
  source: Type.Union([Type.Object({ kind: Type.Union([Type.Literal("snapshot"), Type.Literal("backup")]), id: Id }), Type.Null()]),
  full: Type.Boolean(),
  generation: Type.Integer({ minimum: 1 }),
  verification: Type.Object({ ok: Type.Boolean(), verifiedAt: Type.String({ maxLength: 40 }), checked: Text, problems: Type.Array(Text, { maxItems: 1000 }) }),
});

export const TierResult = Type.Union([SnapshotResult, BackupResult]);
export type TierResult = Static<typeof TierResult>;
export type SnapshotResult = Static<typeof SnapshotResult>;
export type BackupResult = Static<typeof BackupResult>;
