// Protection runs on a separate `obr orchestrator` process: its vCenter (a lab) registered with
// that orchestrator, a protection job's run spawns tiers targeted at it, the process moves the
// bytes (its log and the operations' logs name it) and the server lists the copies from the
// results it reports. Killed mid-backup (a crash point inside the process), its tier ends FAILED
// once the lease expires, its leftovers are undone, the tier after it is cancelled (no process
// of that orchestrator needs to come back for the run to end), nothing half made is listed, and
// the next run (on the restarted process) succeeds. A PARENT restore of that VM runs there too, the VM busy
// (RESTORING, a second restore refused 409) until it ends, and never left busy by a kill.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { LabConnector } from "../../src/connectors/lab/lab-connector.ts";
import { mixedBytes } from "../../src/connectors/lab/content.ts";
import { locate, type ProtectionStoreDoc } from "../../src/services/infrastructure/protection-store-state.ts";
import type { VirtualMachine } from "../../src/services/ports/hypervisor-connector.ts";
import { JOB_PROTECTION_TIER } from "../../src/services/protection/run-tier-payload.ts";
import { OPERATIONS, POLICIES, expectContract, expectError, json, policyBody, until } from "../helpers/greenlake.ts";
import { MiB, type Operation, V1ALPHA1, accepted, createSmallLabIn, registrationBody, waitOperation } from "../helpers/inventory.ts";
import { type OrchestratorProcess, orchestratorProcess } from "../helpers/obr-process.ts";
import { JOBS, createJob, getJob } from "../helpers/protection-jobs.ts";
import { type StorePair, storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const DO = "/backup-recovery/v1beta1/data-orchestrators";
const VMS = "/backup-recovery/v1beta1/virtual-machines";
type Op = Operation & { name: string; logMessages: { message: string }[] };
interface Backup {
  id: string;
  backupType: string;
  verified: boolean;
  dataOrchestratorInfo?: { id: string }[];
  sourceCopyInfo?: { id: string };
}

let server: TestServer;
let stateDir: string;
let orchestrator: OrchestratorProcess;
let orchestratorId: string;
let lab: LabConnector;
let vm: VirtualMachine;
let stores: StorePair;
let jobId: string;

const start = (env: Record<string, string> = {}) => orchestratorProcess(server.url, stateDir, env, ["--lab-root", join(server.dataDir, "lab")]);

beforeAll(async () => {
  server = await startTestServer({ OBR_ORCHESTRATOR_HEARTBEAT_SECONDS: "1", OBR_JOB_LEASE_SECONDS: "2" });
  stateDir = mkdtempSync(join(tmpdir(), "obr-remote-run-"));
  orchestrator = start();
  const code = await until("the activation code", async () => /activation code: ([0-9a-f-]{36})/.exec(orchestrator.output())?.[1], 20_000);
  orchestratorId = String((await json<{ id: string }>(await server.api(DO, { method: "POST", json: { activationCode: code } }), 201)).id);
  await until("paired", async () => orchestrator.output().includes(`paired as data orchestrator ${orchestratorId}`) || undefined, 10_000);
  const small = await createSmallLabIn(server.dataDir, "remote", 0);
  lab = small.lab;
  vm = await lab.createVm({ name: "far-01", disks: [{ capacityBytes: 16 * MiB }], powerOn: true, guest: { family: "linux", osName: "Ubuntu Linux (64-bit)" } });
  await lab.writeDisk(vm.id, vm.disks[0]!.id, MiB, mixedBytes(5, 6 * MiB));
  // The vCenter is served by the separate orchestrator: its VMs' data moves there.
  const registered = await accepted(server, V1ALPHA1, { json: registrationBody(server, small.address, { dataOrchestratorId: orchestratorId }) });
  expect(registered.state, JSON.stringify(registered.error)).toBe("SUCCEEDED");
  stores = await storesOf(server);
}, 60_000);
afterAll(async () => {
  if (orchestrator && orchestrator.child.exitCode === null) orchestrator.child.kill("SIGKILL");
  await orchestrator?.exited;
  await server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** A run and its tier operations, all ended. */
async function ended(runUri: string): Promise<Op[]> {
  const run = await waitOperation(server, runUri);
  const children = await json<{ items: Op[] }>(await server.api(`${OPERATIONS}?filter=${encodeURIComponent(`parent/id eq '${run.id}'`)}&sort=createdAt`), 200);
  const tiers = await Promise.all(
    children.items.map(async (c) => {
      await waitOperation(server, `${OPERATIONS}/${c.id}`);
      return json<Op>(await server.api(`${OPERATIONS}/${c.id}`), 200);
    }),
  );
  return [await json<Op>(await server.api(runUri), 200), ...tiers];
}

const backups = async () => (await json<{ items: Backup[] }>(await server.api(`${VMS}/${vm.id}/backups`), 200)).items;
const targets = async (runId: string) =>
  (await sql<{ target: string | null; job_type: string }>`select target, job_type from async_operations where parent_id = ${runId}`.execute(server.services.database.db)).rows;

test("a run of a VM served by a separate orchestrator moves its data there; the server lists the copies it reports", async () => {
  const policy = await json<{ id: string }>(await server.api(POLICIES, { method: "POST", json: policyBody("remote three tiers", { cloud: true, stores }) }), 200);
  ({ id: jobId } = await createJob(server, { assetInfo: { id: vm.id, type: "hybrid-cloud/virtual-machine" }, protectionPolicyId: policy.id }));
  const job = await getJob(server, jobId);
  expect(job.dataOrchestratorId).toBe(orchestratorId);
  const runUri = job.protections[0]!.schedules[0]!.executionStatuses.at(-1)!.taskUri!;
  const [run, ...tiers] = await ended(runUri);
  expect([run!.state, ...tiers.map((t) => t.state)], JSON.stringify(tiers.map((t) => t.error))).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
  // Every tier was routed to the orchestrator and ran in its process, which logged each job.
  expect(await targets(run!.id)).toEqual(tiers.map(() => ({ target: orchestratorId, job_type: JOB_PROTECTION_TIER })));
  for (const tier of tiers) {
    const log = tier.logMessages.map((m) => m.message).join("\n");
    expect(log).toContain(`running on data orchestrator ${orchestratorId}`);
    expect(log).toContain(`obr orchestrator process ${orchestrator.child.pid}`);
    expect(orchestrator.output()).toContain(`running job ${tier.id} (${JOB_PROTECTION_TIER}`);
    await until(`its log line for ${tier.id}`, async () => orchestrator.output().includes(`job ${tier.id} succeeded`) || undefined);
  }
  expect(tiers.find((t) => t.name.startsWith("Cloud backup of"))!.logMessages.some((m) => /bytes moved to the cloud store/.test(m.message))).toBe(true);
  // The copies are listed, verified, and name the orchestrator that made them.
  const snapshots = await json<{ items: { id: string }[] }>(await server.api(`${VMS}/${vm.id}/snapshots`), 200);
  expectContract("backup-recovery", "VirtualMachineSnapshotList", snapshots);
  expect(snapshots.items).toHaveLength(1);
  const listed = await backups();
  expect(listed.map((b) => b.backupType).sort()).toEqual(["BACKUP", "CLOUD_BACKUP"]);
  for (const b of listed) expect(b).toMatchObject({ verified: true, dataOrchestratorInfo: [{ id: orchestratorId }] });
});

/** The images in the on-premises store, read by the test (not by the server). */
async function storeImages(): Promise<string[]> {
  const { stores: ctx } = server.services;
  const doc = (await ctx.repository.get<ProtectionStoreDoc>(server.admin.workspaceId, stores.onPremises))!;
  const store = await ctx.registry.open(doc.id, (await locate(ctx, doc))!);
  return (await store.listImages()).map((i) => i.imageId).sort();
}

test("the orchestrator killed mid-backup: the tier ends FAILED after its lease, nothing half made is listed or left; the next run succeeds", async () => {
  const before = await backups();
  const imagesBefore = await storeImages();
  orchestrator.child.kill("SIGTERM");
  await orchestrator.exited;
  // The same process again (its credential kept), set to die once its first image is written.
  orchestrator = start({ OBR_CRASH_POINT: "protection.backup.after-image" });
  const res = await server.api(`${JOBS}/${jobId}/run`, { method: "POST", json: { scheduleIds: [1, 2, 3] } });
  expect(res.status).toBe(202);
  const runUri = res.headers.get("location")!;
  expect(await orchestrator.exited, orchestrator.output()).not.toBe(0); // it died inside the backup
  // No orchestrator runs now: the server ends the tier after its lease, undoes it, and cancels
  // the tier queued after it (for the orchestrator), so the run ends without it.
  const [run, ...tiers] = await ended(runUri);
  const tier = (prefix: string) => tiers.find((t) => t.name.startsWith(prefix))!;
  expect(run!.state).toBe("FAILED");
  expect(tier("Snapshot of").state).toBe("SUCCEEDED");
  expect(tier("Backup of")).toMatchObject({ state: "FAILED", error: { error: expect.stringMatching(/interrupted/) } });
  expect(tier("Cloud backup of").state).toBe("CANCELLED");
  expect(await backups()).toEqual(before);
  expect(await storeImages()).toEqual(imagesBefore);

  orchestrator = start();
  const again = await server.api(`${JOBS}/${jobId}/run`, { method: "POST", json: { scheduleIds: [1, 2, 3] } });
  const next = await ended(again.headers.get("location")!);
  expect(next.map((o) => o.state)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
  expect((await backups()).length).toBe(before.length + 2);
});

const vmDoc = async () => json<{ state: string; name: string }>(await server.api(`/virtualization/v1beta1/virtual-machines/${vm.id}`), 200);
const diskHash = async () => createHash("sha256").update(await lab.readDisk(vm.id, vm.disks[0]!.id, 0, vm.disks[0]!.capacityBytes)).digest("hex");

test("a PARENT restore: the VM is RESTORING from the request on, a second restore is refused 409; killed mid-restore no VM stays busy; then it runs on the orchestrator and the disk equals the snapshot", async () => {
  const snapshot = (await json<{ items: { id: string }[] }>(await server.api(`${VMS}/${vm.id}/snapshots?sort=pointInTime%20desc`), 200)).items[0]!;
  const original = await diskHash();
  await lab.churn(vm.id, { percent: 5, seed: 3 });
  expect(await diskHash()).not.toBe(original);
  // No orchestrator runs: the restore waits, queued for it.
  orchestrator.child.kill("SIGTERM");
  await orchestrator.exited;
  const body = { restoreType: "PARENT", snapshotId: snapshot.id };
  const first = await server.api(`${VMS}/${vm.id}/restore`, { method: "POST", json: body });
  expect(first.status).toBe(202);
  const busy = await vmDoc();
  expectContract("virtualization", "VirtualMachine", busy);
  expect(busy.state).toBe("RESTORING");
  const second = await expectError(await server.api(`${VMS}/${vm.id}/restore`, { method: "POST", json: body }), 409);
  expect(second.message).toMatch(/being restored already/);
  // Killed after the first disk: the lease expires, the restore ends FAILED, the VM is not busy.
  orchestrator = start({ OBR_CRASH_POINT: "protection.restore.after-disk" });
  expect(await orchestrator.exited, orchestrator.output()).toBe(137);
  const failed = await waitOperation(server, first.headers.get("location")!);
  expect(failed.state).toBe("FAILED");
  expect((await vmDoc()).state).toBe("RESTORE_FAILED");

  orchestrator = start();
  const restored = await accepted(server, `${VMS}/${vm.id}/restore`, { json: body });
  expect(restored.state, JSON.stringify(restored.error)).toBe("SUCCEEDED");
  const op = await json<Op>(await server.api(`${OPERATIONS}/${restored.id}`), 200);
  expect(op.logMessages.map((m) => m.message).join("\n")).toContain(`obr orchestrator process ${orchestrator.child.pid}`);
  expect(await diskHash()).toBe(original);
  expect((await vmDoc()).state).toBe("OK");
});

test("an ALTERNATE restore from the cloud copy builds the new VM there; the server lists it in the inventory", async () => {
  const cloud = (await backups()).filter((b) => b.backupType === "CLOUD_BACKUP").at(-1)!;
  const op = await accepted(server, `${VMS}/${vm.id}/restore`, { json: { restoreType: "ALTERNATE", backupId: cloud.id, targetVmInfo: { name: "far-01-copy" } } });
  expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  // The source VM, and the new one the restore made.
  const made = op.associatedResources.find((r) => r.type === "virtualization/virtual-machine" && r.name === "far-01-copy");
  expect(made, JSON.stringify(op.associatedResources)).toBeDefined();
  const id = made!.resourceUri.split("/").at(-1)!;
  const listed = await json<{ name: string; state: string }>(await server.api(`/virtualization/v1beta1/virtual-machines/${id}`), 200);
  expect(listed).toMatchObject({ name: "far-01-copy", state: "OK" });
  const copy = await lab.getVm(id);
  const hash = createHash("sha256").update(await lab.readDisk(id, copy.disks[0]!.id, 0, copy.disks[0]!.capacityBytes)).digest("hex");
  expect(hash).toBe(await diskHash());
});
