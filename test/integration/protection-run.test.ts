// A protection run and restores over real HTTP, real lab disks and real chunk stores: a run of
// three tiers (snapshot -> backup -> cloud copy) as a parent with one child per tier, the copies
// listed, an incremental after churn storing about the churn, a failing tier leaving the earlier
// copies and cancelling the later tiers, and restores (a new VM from the cloud copy, the VM over
// itself from the snapshot, one disk from a backup) whose disks hash-equal the copy.
import { createHash, randomUUID } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { LabConnector } from "../../src/connectors/lab/lab-connector.ts";
import { mixedBytes } from "../../src/connectors/lab/content.ts";
import type { VirtualMachine } from "../../src/services/ports/hypervisor-connector.ts";
import { JOB_PROTECTION_RUN, type ProtectionRunPayload, type RunTier } from "../../src/services/protection/run-request.ts";
import { OPERATIONS, POLICIES, expectContract, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { MiB, type Operation, accepted, createSmallLab, registerLab, waitOperation } from "../helpers/inventory.ts";
import { type StorePair, storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";
import { flipBitInChunk } from "../../src/store/test-support/fixtures.ts";
import { type ProtectionStoreDoc, locate } from "../../src/services/infrastructure/protection-store-state.ts";

const VMS = "/backup-recovery/v1beta1/virtual-machines";

let server: TestServer;
let lab: LabConnector;
let vm: VirtualMachine;
let other: VirtualMachine;
let stores: StorePair;
let policyId: string;

interface Copy {
  id: string;
  name: string;
  backupType?: string;
  fullBackup?: boolean;
  backupGeneration?: number;
  verified?: boolean;
  newStoredSizeInBytes?: number;
  storedSizeInBytes?: number;
  sourceCopyInfo?: { id: string };
  pointInTime: string;
  expiresAt?: string;
  lockedUntil?: string;
}

const DISK1 = 16 * MiB;
const DISK2 = 8 * MiB;

beforeAll(async () => {
  server = await startTestServer();
  const small = await createSmallLab(server, "protect", 1);
  lab = small.lab;
  other = small.vms[0]!;
  vm = await lab.createVm({ name: "db-01", disks: [{ capacityBytes: DISK1 }, { capacityBytes: DISK2 }], powerOn: true, guest: { family: "linux", osName: "Ubuntu Linux (64-bit)" } });
  // Data in the first 6 MiB of disk 1 and 2 MiB of disk 2; the rest stays zero (sparse).
  await lab.writeDisk(vm.id, vm.disks[0]!.id, 0, mixedBytes(1, 6 * MiB));
  await lab.writeDisk(vm.id, vm.disks[1]!.id, 4 * MiB, mixedBytes(2, 2 * MiB));
  await registerLab(server, small.address);
  stores = await storesOf(server);
  const policy = await json<{ id: string }>(await server.api(POLICIES, { method: "POST", json: policyBody("three tiers", { cloud: true, stores }) }), 200);
  policyId = policy.id;
}, 60_000);
afterAll(() => server?.stop());

const tiers = (o: { backupStore?: string; granularity?: RunTier["backupGranularity"] } = {}): RunTier[] => {
  const base = { lockFor: null, consistency: "CRASH" as const, backupGranularity: o.granularity ?? "VMWARE_CBT", verify: true };
  return [
    { ...base, scheduleId: 1, protectionType: "SNAPSHOT", protectionStoreId: null, expireAfter: { unit: "DAYS", value: 2 }, sourceScheduleId: null },
    { ...base, scheduleId: 2, protectionType: "BACKUP", protectionStoreId: o.backupStore ?? stores.onPremises, expireAfter: { unit: "WEEKS", value: 4 }, lockFor: { unit: "DAYS", value: 7 }, sourceScheduleId: 1 },
    { ...base, scheduleId: 3, protectionType: "CLOUD_BACKUP", protectionStoreId: stores.cloud, expireAfter: { unit: "YEARS", value: 1 }, sourceScheduleId: 2 },
  ];
};

/** An operation as the tests read it. */
type Op = Operation & { name: string; progressPercent: number; startedAt: string | null; endedAt: string | null };
const operation = async (id: string): Promise<Op> => {
  await waitOperation(server, `${OPERATIONS}/${id}`);
  return json<Op>(await server.api(`${OPERATIONS}/${id}`), 200);
};

/** Queues a run as the protection-jobs service does, and waits for it over HTTP. */
async function run(runTiers: RunTier[], fullBackup = false): Promise<{ parent: Op; children: Op[] }> {
  const payload: ProtectionRunPayload = { protectionJobId: randomUUID(), policyId, assetId: vm.id, assetType: "hybrid-cloud/virtual-machine", fullBackup, trigger: "ON_DEMAND", tiers: runTiers };
  const op = await server.services.operations.create({ customerId: server.admin.workspaceId, userId: server.admin.clientId, name: `Protect ${vm.name}`, jobType: JOB_PROTECTION_RUN, payload });
  server.services.worker.wake();
  const parent = await operation(op.id);
  const rows = await server.services.database.db.selectFrom("async_operations").select("id").where("parent_id", "=", op.id).execute();
  const children = await Promise.all(rows.map((r) => operation(r.id)));
  return { parent, children: runTiers.map((t) => children.find((c) => c.name.endsWith(`(schedule ${t.scheduleId})`))!) };
}

const diskHashes = async (id: string): Promise<string[]> => {
  const found = await lab.getVm(id);
  return Promise.all(found.disks.map(async (d) => createHash("sha256").update(await lab.readDisk(id, d.id, 0, d.capacityBytes)).digest("hex")));
};
const copies = async (kind: "backups" | "snapshots", schema: string): Promise<Copy[]> => {
  const body = await json<{ items: Copy[] }>(await server.api(`${VMS}/${vm.id}/${kind}?sort=pointInTime`), 200);
  expectContract("backup-recovery", schema, body);
  return body.items;
};
const backups = () => copies("backups", "VirtualMachineBackupList");
const snapshots = () => copies("snapshots", "VirtualMachineSnapshotList");

/** Bytes the files under `dir` take on disk (sparse files count only what is allocated). */
async function allocated(dir: string): Promise<number> {
  let sum = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) sum += (await stat(join(entry.parentPath, entry.name))).blocks * 512;
  }
  return sum;
}

describe("a protection run", () => {
  let first: { hashes: string[]; snapshot: Copy; backup: Copy; cloud: Copy };
  /** The disks' hashes when the incremental was taken. */
  let churned: string[];

  test("one child per tier, in order, each SUCCEEDED; the snapshot, the backup and its cloud copy are listed, verified, with retention from the tiers", async () => {
    const hashes = await diskHashes(vm.id);
    const { parent, children } = await run(tiers());
    expect(parent.state, JSON.stringify(parent.error)).toBe("SUCCEEDED");
    expect(parent.progressPercent).toBe(100);
    expect(children.map((c) => c.state)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    for (let i = 1; i < children.length; i++) expect(Date.parse(children[i]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(children[i - 1]!.endedAt!));
    const [snapshot] = await snapshots();
    const [backup, cloud] = (await backups()).sort((a, b) => (a.backupType ?? "").localeCompare(b.backupType ?? ""));
    expect(snapshot).toBeDefined();
    expect(backup).toMatchObject({ backupType: "BACKUP", fullBackup: true, backupGeneration: 1, verified: true });
    expect(cloud).toMatchObject({ backupType: "CLOUD_BACKUP", backupGeneration: 1, verified: true, sourceCopyInfo: { id: backup!.id } });
    // Retention from the tiers, measured from the point in time.
    const at = Date.parse(backup!.pointInTime);
    expect(Date.parse(backup!.expiresAt!) - at).toBe(28 * 86_400_000);
    expect(Date.parse(backup!.lockedUntil!) - at).toBe(7 * 86_400_000);
    // The tier operations name their copies; the cloud copy moved what the cloud store lacked.
    expect(children[0]!.associatedResources.some((r) => r.resourceUri.endsWith(`/snapshots/${snapshot!.id}`))).toBe(true);
    expect(children[2]!.logMessages.some((m) => /bytes moved to the cloud store/.test(m.message))).toBe(true);
    first = { hashes, snapshot: snapshot!, backup: backup!, cloud: cloud! };
  });

  test("after 3 % churn the next backup is an incremental on the first, storing about what changed", async () => {
    const churn = await lab.churn(vm.id, { percent: 3, seed: 7 });
    const written = churn.disks.reduce((s, d) => s + d.bytesWritten, 0);
    churned = await diskHashes(vm.id);
    const { parent, children } = await run(tiers());
    expect(parent.state, JSON.stringify(parent.error)).toBe("SUCCEEDED");
    const incremental = (await backups()).filter((b) => b.backupType === "BACKUP").at(-1)!;
    expect(incremental).toMatchObject({ fullBackup: false, backupGeneration: 2, verified: true });
    expect(incremental.newStoredSizeInBytes).toBeLessThan(first.backup.newStoredSizeInBytes! / 2);
    // Changed-block tracking: only around the churn was read (plus chunk boundaries).
    const reads = children[1]!.logMessages.flatMap((m) => /: (\d+) bytes read/.exec(m.message)?.[1] ?? []).map(Number);
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThan(written * 4 + 4 * MiB);
    expect(reads.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Verified after it was written: what it added re-read and re-hashed (each pack as soon as it
    // was durable, while the backup or copy went on), what it shares with the verified first backup
    // looked up in place (the cloud copy likewise against the first cloud copy).
    for (const tier of [children[1]!, children[2]!]) {
      const verified = tier.logMessages.map((m) => /^verified: (\d+) bytes re-read and re-hashed(?: \((\d+) chunks of them as soon as their packs were durable\))?, (\d+) chunks shared with the previous backup found in place$/.exec(m.message)).find(Boolean);
      expect(verified, tier.logMessages.map((m) => m.message).join("\n")).toBeDefined();
      expect(Number(verified![1])).toBeLessThanOrEqual(incremental.newStoredSizeInBytes! * 1.2);
      expect(Number(verified![2])).toBeGreaterThan(0);
      expect(Number(verified![3])).toBeGreaterThan(0);
    }
    const info = await json<Copy & { verificationInfo?: { stateReason?: string } }>(await server.api(`${VMS}/${vm.id}/backups/${incremental.id}`), 200);
    expect(info.verificationInfo?.stateReason).toMatch(/^verified: the chunks new since the previous backup re-read and re-hashed/);
  });

  test("a tier that fails fails with the real reason; the later tiers are CANCELLED naming it, the run FAILED naming it, the earlier tier's snapshot stays", async () => {
    const before = (await snapshots()).length;
    const { parent, children } = await run(tiers({ backupStore: randomUUID() }));
    expect(children.map((c) => c.state)).toEqual(["SUCCEEDED", "FAILED", "CANCELLED"]);
    expect(children[1]!.error?.error).toMatch(/protection store '.+' no longer exists/);
    expect(children[2]!.error?.error).toMatch(/^not run: 'Backup of virtual machine db-01 \(schedule 2\)'/);
    expect(parent.state).toBe("FAILED");
    expect(parent.error?.error).toMatch(/child operation 'Backup of virtual machine db-01 \(schedule 2\)' \(.+\) ended FAILED: protection store/);
    expect((await snapshots()).length).toBe(before + 1);
  });

  test("ALTERNATE restore from the cloud copy: a new VM whose disks hash-equal the copy, sparse where it was zero", async () => {
    const op = await accepted(server, `${VMS}/${vm.id}/restore`, { json: { restoreType: "ALTERNATE", backupId: first.cloud.id, targetVmInfo: { name: "db-01-restored", powerOn: false } } });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const ref = op.associatedResources.find((r) => r.type === "virtualization/virtual-machine" && r.name === "db-01-restored");
    expect(ref).toBeDefined();
    const restoredId = ref!.resourceUri.split("/").at(-1)!;
    expect(await diskHashes(restoredId)).toEqual(first.hashes);
    // 8 MiB of data in 24 MiB of disks: the zeros were not written.
    expect(await allocated(await lab.vmDirectory(restoredId))).toBeLessThan(12 * MiB);
    const listed = await json<{ name: string; powerState: string }>(await server.api(`/virtualization/v1beta1/virtual-machines/${restoredId}`), 200);
    expect(listed).toMatchObject({ name: "db-01-restored", powerState: "POWERED_OFF" });
  });

  test("PARENT restore from the older snapshot while newer copies exist: the running VM is powered off, overwritten to the snapshot's bytes, and powered on again", async () => {
    expect(await diskHashes(vm.id)).not.toEqual(first.hashes); // churned since
    const op = await accepted(server, `${VMS}/${vm.id}/restore`, { json: { restoreType: "PARENT", snapshotId: first.snapshot.id } });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect(await diskHashes(vm.id)).toEqual(first.hashes);
    expect((await lab.getVm(vm.id)).powerState).toBe("poweredOn");
    // It shared the VM's runs' concurrency key (neither interleaves with the other), and the VM is no longer busy.
    const row = await server.services.database.db.selectFrom("async_operations").select("concurrency_key").where("id", "=", op.id).executeTakeFirstOrThrow();
    expect(row.concurrency_key).toBe(`protect:${vm.id}`);
    expect((await json<{ state: string }>(await server.api(`/virtualization/v1beta1/virtual-machines/${vm.id}`), 200)).state).toBe("OK");
  });

  test("restore-disks: one disk from the incremental backup, by label, into the VM", async () => {
    const incremental = (await backups()).filter((b) => b.backupType === "BACKUP").at(-1)!;
    const before = await diskHashes(vm.id);
    await lab.churn(vm.id, { percent: 5, seed: 9 });
    const op = await accepted(server, `${VMS}/${vm.id}/restore-disks`, {
      json: { restoreType: "PARENT", backupId: incremental.id, restoreDiskDetails: [{ recoveryPointDiskDetails: { diskLabel: "Hard disk 1" } }] },
    });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const after = await diskHashes(vm.id);
    expect(after[0]).toBe(churned[0]); // the incremental's disk 1, byte for byte
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]); // disk 2 kept the second churn: not restored
  });

  test("bad restores change nothing: 400 for both or neither copy id and a missing name, 404 for another VM's copy or an unknown VM, 400 for a file restore from a disk without a file system", async () => {
    await expectError(await server.api(`${VMS}/${vm.id}/restore`, { method: "POST", json: { restoreType: "PARENT", snapshotId: first.snapshot.id, backupId: first.backup.id } }), 400);
    await expectError(await server.api(`${VMS}/${vm.id}/restore`, { method: "POST", json: { restoreType: "PARENT" } }), 400);
    await expectError(await server.api(`${VMS}/${vm.id}/restore`, { method: "POST", json: { restoreType: "ALTERNATE", backupId: first.backup.id } }), 400);
    await expectError(await server.api(`${VMS}/${other.id}/restore`, { method: "POST", json: { restoreType: "PARENT", backupId: first.backup.id } }), 404);
    await expectError(await server.api(`${VMS}/${randomUUID()}/restore`, { method: "POST", json: { restoreType: "PARENT", backupId: first.backup.id } }), 404);
    const fileRestore = { backupId: first.backup.id, fileRestoreMethod: "OVERWRITE", filePathInfo: [{ absoluteSourcePath: "/etc/hostname" }], targetInfo: {} };
    const files = await expectError(await server.api(`${VMS}/${vm.id}/restore-files`, { method: "POST", json: fileRestore }), 400);
    expect(files.message).toMatch(/Hard disk 1 of backup .* holds no file system obr can read/);
    const stranger = await server.client("admin");
    await expectError(await server.api(`${VMS}/${vm.id}/restore`, { method: "POST", token: stranger.token, json: { restoreType: "PARENT", backupId: first.backup.id } }), 404);
  });

  test("on-demand verification (POST /obr/v1/backups/{id}/verify): a sound backup stays verified; a damaged chunk fails the operation naming the backup and marks it not verified", async () => {
    const good = await accepted(server, `/obr/v1/backups/${first.backup.id}/verify`);
    expect(good.state, JSON.stringify(good.error)).toBe("SUCCEEDED");
    const readOnly = await server.client("read-only", server.admin.workspaceId);
    await expectError(await server.api(`/obr/v1/backups/${first.backup.id}/verify`, { method: "POST", token: readOnly.token }), 403);
    await expectError(await server.api(`/obr/v1/backups/${randomUUID()}/verify`, { method: "POST" }), 404);

    const record = (await server.services.copies.get(server.admin.workspaceId, "backup", first.backup.id))!;
    const doc = (await server.services.stores.repository.get<ProtectionStoreDoc>(server.admin.workspaceId, stores.onPremises))!;
    const location = (await locate(server.services.stores, doc))!;
    const store = await server.services.storeRegistry.open(stores.onPremises, location);
    const victim = (await store.manifest(record.disks[0]!.ref)).ids.find((id): id is string => typeof id === "string")!;
    if (!("dir" in location)) throw new Error("an on-premises store lives in a directory");
    await flipBitInChunk(location.dir, victim);
    const bad = await accepted(server, `/obr/v1/backups/${first.backup.id}/verify`);
    expect(bad.state).toBe("FAILED");
    expect(bad.error?.error).toContain(`backup '${first.backup.name}' (${first.backup.id}) is damaged`);
    expect(bad.error?.error).toContain(victim);
    const after = await json<Copy & { verificationInfo?: { state: string } }>(await server.api(`${VMS}/${vm.id}/backups/${first.backup.id}`), 200);
    expect(after).toMatchObject({ verified: false, verificationInfo: { state: "VERIFY_ERROR" } });
  });
});
