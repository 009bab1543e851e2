// What the S3 integration suites share: an OBR_S3_TARGETS file naming buckets of an RGW, a server
// with a lab VM holding data, an on-premises store (a test storage system) and cloud stores
// created over HTTP, protection runs queued as the protection-jobs service queues them, and an
// S3 client with the bucket's own credentials (an administrator going around obr).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import type { LabConnector } from "../../src/connectors/lab/lab-connector.ts";
import { mixedBytes } from "../../src/connectors/lab/content.ts";
import type { S3TargetConfig } from "../../src/domain/schemas/s3-target-schemas.ts";
import type { VirtualMachine } from "../../src/services/ports/hypervisor-connector.ts";
import { JOB_PROTECTION_RUN, type ProtectionRunPayload, type RunTier } from "../../src/services/protection/run-request.ts";
import { makeS3Client } from "../../src/store/backends/s3-client.ts";
import type { S3Target } from "../../src/store/backends/s3.ts";
import { OPERATIONS, POLICIES, json, policyBody } from "../helpers/greenlake.ts";
import { MiB, type Operation, createSmallLab, registerLab, waitOperation } from "../helpers/inventory.ts";
import { addTestSystem, createStore } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

export const VMS = "/backup-recovery/v1beta1/virtual-machines";

/** A target entry of OBR_S3_TARGETS for a bucket of the test RGW. */
export function targetFor(bucket: S3Target, o: Partial<S3TargetConfig> = {}): S3TargetConfig {
  return {
    ...(bucket.endpoint ? { endpoint: bucket.endpoint } : {}),
    bucket: bucket.bucket,
    region: bucket.region,
    forcePathStyle: true,
    accessKeyId: bucket.credentials.accessKeyId,
    secretAccessKey: bucket.credentials.secretAccessKey,
    ...o,
  };
}

/** Writes the targets file (0600, as the README asks); returns its path and its clean-up. */
export function targetsFile(targets: Record<string, S3TargetConfig>): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "obr-s3-targets-"));
  const path = join(dir, "s3-targets.json");
  writeFileSync(path, JSON.stringify(targets, null, 2), { mode: 0o600 });
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface S3World {
  server: TestServer;
  lab: LabConnector;
  vm: VirtualMachine;
  onPremises: string;
  policyId: string;
}

/** A server on the targets, a VM with `dataMiB` of data on its one disk, an on-premises store and a policy naming `cloudStore` later. */
export async function s3World(targets: string, dataMiB: number): Promise<S3World> {
  const server = await startTestServer({ OBR_S3_TARGETS: targets });
  const small = await createSmallLab(server, "s3", 1);
  const lab = small.lab;
  const vm = await lab.createVm({ name: "s3-vm", disks: [{ capacityBytes: (dataMiB + 8) * MiB }], powerOn: true, guest: { family: "linux", osName: "Ubuntu Linux (64-bit)" } });
  await lab.writeDisk(vm.id, vm.disks[0]!.id, 0, mixedBytes(7, dataMiB * MiB));
  await registerLab(server, small.address);
  const system = addTestSystem(server, server.admin.workspaceId);
  const onPremises = (await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: system.id, displayName: "local store" })).id;
  const policy = await json<{ id: string }>(await server.api(POLICIES, { method: "POST", json: policyBody("s3 tiers", { stores: { onPremises, cloud: onPremises } }) }), 200);
  return { server, lab, vm, onPremises, policyId: policy.id };
}

/** A backup tier into the on-premises store, then a cloud copy of it into `cloud` locked for `lockFor`. */
export function backupAndCloud(w: S3World, cloud: string, lockFor: RunTier["lockFor"] = null): RunTier[] {
  const base = { consistency: "CRASH" as const, backupGranularity: "VOLUME" as const, verify: true };
  return [
    { ...base, scheduleId: 2, protectionType: "BACKUP", protectionStoreId: w.onPremises, expireAfter: { unit: "WEEKS", value: 4 }, lockFor: null, sourceScheduleId: null },
    { ...base, scheduleId: 3, protectionType: "CLOUD_BACKUP", protectionStoreId: cloud, expireAfter: { unit: "YEARS", value: 1 }, lockFor, sourceScheduleId: 2 },
  ];
}

/** Queues a run as the protection-jobs service does; `started` gets the queued run's id at once. */
export async function queueRun(w: S3World, tiers: RunTier[]): Promise<string> {
  const payload: ProtectionRunPayload = { protectionJobId: randomUUID(), policyId: w.policyId, assetId: w.vm.id, assetType: "hybrid-cloud/virtual-machine", fullBackup: false, trigger: "ON_DEMAND", tiers };
  const op = await w.server.services.operations.create({ customerId: w.server.admin.workspaceId, userId: w.server.admin.clientId, name: `Protect ${w.vm.name}`, jobType: JOB_PROTECTION_RUN, payload });
  w.server.services.worker.wake();
  return op.id;
}

/** The run's child operation of the tier with that schedule id (undefined until it exists). */
export async function tierOperation(w: S3World, runId: string, scheduleId: number): Promise<string | undefined> {
  const rows = await w.server.services.database.db.selectFrom("async_operations").select("id").where("parent_id", "=", runId).execute();
  for (const { id } of rows) {
    const op = await json<{ name: string }>(await w.server.api(`${OPERATIONS}/${id}`), 200);
    if (op.name.endsWith(`(schedule ${scheduleId})`)) return id;
  }
  return undefined;
}

/** Runs to the end; the parent and its tiers' operations, in tier order. */
export async function runToEnd(w: S3World, tiers: RunTier[]): Promise<{ parent: Operation; children: Operation[] }> {
  const id = await queueRun(w, tiers);
  return endOf(w, id, tiers);
}

export async function endOf(w: S3World, runId: string, tiers: RunTier[]): Promise<{ parent: Operation; children: Operation[] }> {
  const parent = await waitOperation(w.server, `${OPERATIONS}/${runId}`);
  const children: Operation[] = [];
  for (const t of tiers) {
    const id = await tierOperation(w, runId, t.scheduleId);
    if (id) children.push(await waitOperation(w.server, `${OPERATIONS}/${id}`));
  }
  return { parent, children };
}

export interface Backup {
  id: string;
  name: string;
  backupType: string;
  state: string;
  lockedUntil?: string;
  expiresAt?: string;
  newStoredSizeInBytes?: number;
  storedSizeInBytes?: number;
  protectionStoreInfo: { id: string };
}

export async function backupsOf(w: S3World): Promise<Backup[]> {
  return (await json<{ items: Backup[] }>(await w.server.api(`${VMS}/${w.vm.id}/backups?sort=pointInTime`), 200)).items;
}

/** Every object version under the store's prefix in the bucket (what an administrator sees). */
export async function versionsUnder(client: S3Client, bucket: string, prefix: string): Promise<{ Key: string; VersionId: string }[]> {
  const out: { Key: string; VersionId: string }[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionMarker } : {}) }));
    for (const v of page.Versions ?? []) out.push({ Key: v.Key ?? "", VersionId: v.VersionId ?? "" });
    if (!page.IsTruncated) return out;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
}

/** A client with the bucket's own credentials, retries off (a refusal is final). */
export const adminClient = (bucket: S3Target): S3Client => makeS3Client(bucket, { maxAttempts: 1 });
