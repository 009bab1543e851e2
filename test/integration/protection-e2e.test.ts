// The day-one workflow of the HPE blog through HTTP only: stores -> three-tier policy -> a
// protection job on a VM (its first run) -> every operation SUCCEEDED -> the snapshot, the backup
// and the cloud backup listed (filters, sort, select) -> churn -> run again (new bytes about the
// churn) -> restore ALTERNATE from the cloud backup (disks hash-equal) -> restore PARENT from a
// snapshot.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { LabConnector } from "../../src/connectors/lab/lab-connector.ts";
import { mixedBytes } from "../../src/connectors/lab/content.ts";
import type { VirtualMachine } from "../../src/services/ports/hypervisor-connector.ts";
import { OPERATIONS, POLICIES, expectContract, json, policyBody } from "../helpers/greenlake.ts";
import { MiB, type Operation, accepted, createSmallLab, registerLab, waitOperation } from "../helpers/inventory.ts";
import { JOBS, createJob, getJob } from "../helpers/protection-jobs.ts";
import { storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const VMS = "/backup-recovery/v1beta1/virtual-machines";

let server: TestServer;
let lab: LabConnector;
let vm: VirtualMachine;

beforeAll(async () => {
  server = await startTestServer();
  const small = await createSmallLab(server, "e2e", 1);
  lab = small.lab;
  vm = await lab.createVm({ name: "app-01", disks: [{ capacityBytes: 24 * MiB }], powerOn: true, guest: { family: "linux", osName: "Ubuntu Linux (64-bit)" } });
  await lab.writeDisk(vm.id, vm.disks[0]!.id, 2 * MiB, mixedBytes(3, 12 * MiB));
  await registerLab(server, small.address);
}, 60_000);
afterAll(() => server?.stop());

type Op = Operation & { name: string; progressPercent: number };
interface Backup {
  id: string;
  name: string;
  backupType: string;
  fullBackup: boolean;
  backupGeneration: number;
  newStoredSizeInBytes: number;
  verified: boolean;
  sourceCopyInfo?: { id: string };
}

const hashes = async (id: string) => {
  const found = await lab.getVm(id);
  return Promise.all(found.disks.map(async (d) => createHash("sha256").update(await lab.readDisk(id, d.id, 0, d.capacityBytes)).digest("hex")));
};
/** A run and each of its tier operations, all ended. */
async function ended(runUri: string): Promise<Op[]> {
  const run = await waitOperation(server, runUri);
  const children = await json<{ items: Op[] }>(await server.api(`${OPERATIONS}?filter=${encodeURIComponent(`parent/id eq '${run.id}'`)}&sort=createdAt`), 200);
  return [{ ...(await json<Op>(await server.api(runUri), 200)) }, ...(await Promise.all(children.items.map((c) => waitOperation(server, `${OPERATIONS}/${c.id}`) as Promise<Op>)))];
}
const list = async <T>(path: string, query: Record<string, string>, schema: string): Promise<T[]> => {
  const body = await json<{ items: T[] }>(await server.api(`${path}?${new URLSearchParams(query)}`), 200);
  expectContract("backup-recovery", schema, body);
  return body.items;
};

test("stores, policy, job, runs, copies, churn, incremental, restores: the blog's workflow over HTTP", async () => {
  const stores = await storesOf(server);
  const policy = await json<{ id: string; protections: { id: string; type: string }[] }>(
    await server.api(POLICIES, { method: "POST", json: policyBody("blog three tiers", { cloud: true, stores }) }),
    200,
  );
  const backupTier = policy.protections.find((p) => p.type === "BACKUP")!;
  const { id: jobId } = await createJob(server, {
    assetInfo: { id: vm.id, type: "hybrid-cloud/virtual-machine" },
    protectionPolicyId: policy.id,
    overrides: { protections: [{ id: backupTier.id, schedules: [{ scheduleId: 2, backupGranularity: "VMWARE_CBT" }] }] },
  });

  // The job's first run: every operation SUCCEEDED, the job's history says so.
  const firstRun = (await getJob(server, jobId)).protections[0]!.schedules[0]!.executionStatuses.at(-1)!.taskUri!;
  const first = await ended(firstRun);
  expect(first.map((o) => o.state)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
  expect(first[0]!.progressPercent).toBe(100);
  const settled = await getJob(server, jobId);
  expect(settled.protections.flatMap((p) => p.schedules).map((s) => s.executionStatuses.at(-1)?.status)).toEqual(["OK", "OK", "OK"]);
  const protectedVm = await json<{ protectionStatus: string; recoveryPointsExist: boolean }>(await server.api(`/virtualization/v1beta1/virtual-machines/${vm.id}`), 200);
  expect(protectedVm).toMatchObject({ protectionStatus: "PROTECTED", recoveryPointsExist: true });

  // The copies, with the list features a client uses.
  const snapshots = await list<{ id: string }>(`${VMS}/${vm.id}/snapshots`, { sort: "pointInTime desc" }, "VirtualMachineSnapshotList");
  expect(snapshots).toHaveLength(1);
  const onPrem = await list<Backup>(`${VMS}/${vm.id}/backups`, { filter: "backupType eq 'BACKUP'" }, "VirtualMachineBackupList");
  const cloud = await list<Backup>(`${VMS}/${vm.id}/backups`, { filter: `backupType eq 'CLOUD_BACKUP' and sourceCopyInfo/id eq '${onPrem[0]!.id}'` }, "VirtualMachineBackupList");
  expect(onPrem).toMatchObject([{ fullBackup: true, backupGeneration: 1, verified: true }]);
  expect(cloud).toMatchObject([{ verified: true, sourceCopyInfo: { id: onPrem[0]!.id } }]);
  const selected = await json<{ items: Record<string, unknown>[] }>(await server.api(`${VMS}/${vm.id}/backups?${new URLSearchParams({ select: "id,backupType", sort: "backupType" })}`), 200);
  expect(selected.items.map((i) => Object.keys(i).sort())).toEqual([["backupType", "id"], ["backupType", "id"]]);
  const before = await hashes(vm.id);

  // Churn, then run again: the incremental stores about the churn.
  const churn = await lab.churn(vm.id, { percent: 3, seed: 11 });
  const churned = churn.disks.reduce((s, d) => s + d.bytesWritten, 0);
  const res = await server.api(`${JOBS}/${jobId}/run`, { method: "POST", json: { scheduleIds: [1, 2, 3] } });
  expect(res.status).toBe(202);
  const second = await ended(res.headers.get("location")!);
  expect(second.map((o) => o.state)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
  const incremental = (await list<Backup>(`${VMS}/${vm.id}/backups`, { filter: "backupType eq 'BACKUP'", sort: "pointInTime desc" }, "VirtualMachineBackupList"))[0]!;
  expect(incremental).toMatchObject({ fullBackup: false, backupGeneration: 2 });
  expect(incremental.newStoredSizeInBytes).toBeLessThan(churned * 3 + 2 * MiB);
  expect(incremental.newStoredSizeInBytes).toBeLessThan(onPrem[0]!.newStoredSizeInBytes / 2);

  // ALTERNATE from the first cloud backup: a new VM with the disks as they were.
  const alternate = await accepted(server, `${VMS}/${vm.id}/restore`, { json: { restoreType: "ALTERNATE", backupId: cloud[0]!.id, targetVmInfo: { name: "app-01-copy", powerOn: true } } });
  expect(alternate.state, JSON.stringify(alternate.error)).toBe("SUCCEEDED");
  const newVm = alternate.associatedResources.find((r) => r.name === "app-01-copy")!.resourceUri.split("/").at(-1)!;
  expect(await hashes(newVm)).toEqual(before);
  expect((await lab.getVm(newVm)).powerState).toBe("poweredOn");

  // PARENT from the first snapshot: the VM back to that point in time, newer copies still listed.
  const parent = await accepted(server, `${VMS}/${vm.id}/restore`, { json: { restoreType: "PARENT", snapshotId: snapshots[0]!.id } });
  expect(parent.state, JSON.stringify(parent.error)).toBe("SUCCEEDED");
  expect(await hashes(vm.id)).toEqual(before);
  expect((await list<Backup>(`${VMS}/${vm.id}/backups`, {}, "VirtualMachineBackupList")).length).toBe(4);
}, 120_000);
