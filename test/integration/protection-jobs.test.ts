// Protection jobs over HTTP: a policy assigned to a lab VM (202 + operation), the first run it
// queues, list filters of the contract and the HPE blog, get, run (scheduleIds and the blog's
// ScheduleIds), suspend and resume, delete; the policy's assignment and the VM's protection
// fields at every step, a rediscovery that keeps them, a policy change that reaches the job, and
// refusals that change nothing. Every body is checked against HPE's schemas.
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POLICIES, expectContract, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { type SmallLab, V1ALPHA1, VIRT, accepted, createSmallLab, registerLab, waitOperation } from "../helpers/inventory.ts";
import { JOBS, type Job, createJob, getJob, queuedRuns } from "../helpers/protection-jobs.ts";
import { type StorePair, storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

interface Policy {
  id: string;
  name: string;
  assigned: boolean;
  protections: { id: string; type: string }[];
  protectionJobsInfo: { id: string; resourceUri: string; assetInfo: { id: string; name: string } }[];
}
interface Vm {
  id: string;
  name: string;
  protectionStatus: string;
  recoveryPointsExist?: boolean;
  powerState: string;
  protectionJobInfo?: { id: string; name: string; protectionPolicyInfo: { id: string; name: string } };
  protectionPolicyAppliedAtInfo?: { id: string; type: string };
}

let server: TestServer;
let lab: SmallLab;
let managerId: string;
let stores: StorePair;
const VMS = `${VIRT}/virtual-machines`;

beforeAll(async () => {
  server = await startTestServer();
  lab = await createSmallLab(server, "joblab", 4);
  managerId = (await registerLab(server, lab.address)).id;
  stores = await storesOf(server);
});
afterAll(async () => {
  await server?.stop();
});

async function newPolicy(name = `gold-${randomUUID()}`, token?: string, pair = stores): Promise<Policy> {
  return json<Policy>(await server.api(POLICIES, { method: "POST", json: policyBody(name, { cloud: true, stores: pair }), ...(token ? { token } : {}) }), 200);
}
const getPolicy = async (id: string) => json<Policy>(await server.api(`${POLICIES}/${id}`), 200);
/**
 * An assigned, unpaused VM's status: the runs its job queued may have made copies meanwhile
 * (PARTIAL, or PROTECTED once a run of every schedule succeeded); PENDING before any copy.
 */
function expectAssignedStatus(vm: Vm): void {
  expect(vm.recoveryPointsExist ? ["PARTIAL", "PROTECTED"] : ["PENDING"]).toContain(vm.protectionStatus);
}

async function getVm(id: string): Promise<Vm> {
  const vm = await json<Vm>(await server.api(`${VMS}/${id}`), 200);
  expectContract("virtualization", "VirtualMachine", vm);
  return vm;
}
async function listJobs(query = ""): Promise<{ items: Job[]; count: number; total: number }> {
  const body = await json<{ items: Job[]; count: number; offset: number; total: number }>(await server.api(`${JOBS}${query}`), 200);
  expectContract("backup-recovery", "DataManagementJobsList", body);
  return body;
}
const filter = (expr: string) => `?filter=${encodeURIComponent(expr)}`;
const vm = (i: number) => lab.vms[i]!;
const jobBody = (policyId: string, vmId: string, extra: Record<string, unknown> = {}) => ({
  assetInfo: { id: vmId, type: "hybrid-cloud/virtual-machine" },
  protectionPolicyId: policyId,
  ...extra,
});

describe("create", () => {
  test("assigns the policy to a VM: the job, the policy's assignment and the VM's fields show it; a first run of every schedule is queued", async () => {
    const policy = await newPolicy();
    const snapshotTier = policy.protections.find((p) => p.type === "SNAPSHOT")!;
    const { id, op } = await createJob(
      server,
      jobBody(policy.id, vm(0).id, { overrides: { protections: [{ id: snapshotTier.id, schedules: [{ scheduleId: 1, consistency: "APPLICATION" }] }] } }),
    );
    expect(op.associatedResources).toContainEqual({ name: `${policy.name} (vm-01)`, resourceUri: `${JOBS}/${id}`, type: "backup-recovery/protection-job" });
    const job = await getJob(server, id);
    expect(job).toMatchObject({
      id,
      operational: "ACTIVE",
      assetInfo: { id: vm(0).id, name: "vm-01", type: "virtualization/virtual-machine" },
      protectionPolicyInfo: { id: policy.id, name: policy.name },
      dataOrchestratorId: expect.any(String),
    });
    const schedules = job.protections.flatMap((p) => p.schedules);
    expect(schedules.map((s) => [s.scheduleId, s.operational])).toEqual([
      [1, "ACTIVE"],
      [2, "ACTIVE"],
      [3, "ACTIVE"],
    ]);
    expect(schedules[0]!.overrides).toEqual({ consistency: "APPLICATION" });
    for (const s of schedules) expect(Date.parse(s.nextRunTime!)).toBeGreaterThan(Date.now() - 1000);

    const assigned = await getPolicy(policy.id);
    expect(assigned.assigned).toBe(true);
    expect(assigned.protectionJobsInfo).toEqual([
      expect.objectContaining({ id, resourceUri: `${JOBS}/${id}`, assetInfo: expect.objectContaining({ id: vm(0).id, name: "vm-01" }) }),
    ]);
    const protectedVm = await getVm(vm(0).id);
    expectAssignedStatus(protectedVm);
    expect(protectedVm.protectionJobInfo).toMatchObject({ id, protectionPolicyInfo: { id: policy.id, name: policy.name } });
    expect(protectedVm.protectionPolicyAppliedAtInfo).toMatchObject({ id: policy.id, type: "VIRTUAL_MACHINE" });

    // The first run: every tier in order, the overrides applied, one run per VM at a time.
    const runs = await queuedRuns(server, id);
    expect(runs).toHaveLength(1);
    const [first] = runs;
    expect(first!.jobKey).toBe(`initial:${id}`);
    expect(first!.concurrencyKey).toBe(`protect:${vm(0).id}`);
    expect(first!.target).toBeNull();
    expect(first!.payload).toMatchObject({ protectionJobId: id, policyId: policy.id, assetId: vm(0).id, assetType: "hybrid-cloud/virtual-machine", trigger: "INITIAL", fullBackup: false });
    expect(first!.payload.tiers).toEqual([
      { scheduleId: 1, protectionType: "SNAPSHOT", protectionStoreId: null, expireAfter: { unit: "DAYS", value: 2 }, lockFor: null, sourceScheduleId: null, consistency: "APPLICATION", backupGranularity: "VMWARE_CBT", verify: true },
      { scheduleId: 2, protectionType: "BACKUP", protectionStoreId: stores.onPremises, expireAfter: { unit: "WEEKS", value: 4 }, lockFor: { unit: "DAYS", value: 7 }, sourceScheduleId: 1, consistency: "CRASH", backupGranularity: "VMWARE_CBT", verify: true },
      { scheduleId: 3, protectionType: "CLOUD_BACKUP", protectionStoreId: stores.cloud, expireAfter: { unit: "YEARS", value: 1 }, lockFor: null, sourceScheduleId: 2, consistency: "CRASH", backupGranularity: "VMWARE_CBT", verify: true },
    ]);
    // The job's history shows the trigger as in progress, pointing at the run.
    const after = await getJob(server, id);
    for (const s of after.protections.flatMap((p) => p.schedules)) {
      expect(s.executionStatuses).toEqual([expect.objectContaining({ status: "IN_PROGRESS", taskUri: `/data-services/v1beta1/async-operations/${first!.id}` })]);
    }
  });

  test("refusals change nothing: unknown or foreign policy and VM, unsupported asset type, bad overrides, a VM already protected", async () => {
    const policy = await newPolicy();
    const before = (await listJobs()).total;
    const other = await server.client("admin");
    const foreignPolicy = await json<Policy>(await server.api(POLICIES, { method: "POST", json: policyBody(`theirs-${randomUUID()}`, { backup: false }), token: other.token }), 200);
    const tier = policy.protections[0]!;
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      ["unknown policy", jobBody(randomUUID(), vm(1).id), 400, /protectionPolicyId/],
      ["another workspace's policy", jobBody(foreignPolicy.id, vm(1).id), 400, /protectionPolicyId/],
      ["unknown VM", jobBody(policy.id, randomUUID()), 400, /assetInfo.id/],
      ["a datastore type", { ...jobBody(policy.id, vm(1).id), assetInfo: { id: vm(1).id, type: "virtualization/datastore" } }, 400, /assetInfo.type/],
      ["override of no protection", jobBody(policy.id, vm(1).id, { overrides: { protections: [{ id: randomUUID() }] } }), 400, /overrides.protections\[0\].id/],
      ["override of no schedule", jobBody(policy.id, vm(1).id, { overrides: { protections: [{ id: tier.id, schedules: [{ scheduleId: 9 }] }] } }), 400, /scheduleId 9/],
      [
        "lockFor beyond expireAfter",
        jobBody(policy.id, vm(1).id, { overrides: { protections: [{ id: tier.id, schedules: [{ scheduleId: 1, lockFor: { unit: "WEEKS", value: 1 } }] }] } }),
        400,
        /lockFor/,
      ],
      ["an unknown field", jobBody(policy.id, vm(1).id, { schedule: "now" }), 400, /./],
      ["no asset", { protectionPolicyId: policy.id }, 400, /assetInfo/],
    ];
    for (const [what, body, status, message] of cases) {
      const err = await expectError(await server.api(JOBS, { method: "POST", json: body }), status);
      expect(err.message, what).toMatch(message);
    }
    // Another workspace cannot assign a policy to this workspace's VM (it does not exist there).
    const theirs = await expectError(await server.api(JOBS, { method: "POST", json: jobBody(foreignPolicy.id, vm(1).id), token: other.token }), 400);
    expect(theirs.message).toMatch(/assetInfo.id/);
    expect((await listJobs()).total).toBe(before);
    expect((await getPolicy(policy.id)).assigned).toBe(false);
    expect((await getVm(vm(1).id)).protectionStatus).toBe("UNPROTECTED");

    await createJob(server, jobBody(policy.id, vm(1).id));
    const again = await expectError(await server.api(JOBS, { method: "POST", json: jobBody(policy.id, vm(1).id) }), 409);
    expect(again.message).toMatch(/already protected/);
    expect((await listJobs()).total).toBe(before + 1);
  });
});

describe("reads", () => {
  test("list filters of the contract and the blog's assetInfo/id eq; get of another workspace's job is 404", async () => {
    const policy = await newPolicy();
    const { id } = await createJob(server, jobBody(policy.id, vm(2).id));
    const byAsset = await listJobs(filter(`assetInfo/id eq ${vm(2).id}`));
    expect(byAsset.items.map((j) => j.id)).toEqual([id]);
    expect((await listJobs(filter(`protectionPolicyInfo/id eq '${policy.id}'`))).items.map((j) => j.id)).toEqual([id]);
    expect((await listJobs(filter(`protectionPolicyInfo/name eq '${policy.name}'`))).items.map((j) => j.id)).toEqual([id]);
    expect((await listJobs(filter("assetInfo/name eq 'vm-03'"))).items.map((j) => j.id)).toEqual([id]);
    expect((await listJobs(filter("assetInfo/type eq 'virtualization/virtual-machine' and operational eq 'ACTIVE'"))).total).toBeGreaterThanOrEqual(1);
    const job = await getJob(server, id);
    expect((await listJobs(filter(`dataOrchestratorId eq '${job.dataOrchestratorId}'`))).items.map((j) => j.id)).toContain(id);
    const selected = await json<{ items: Record<string, unknown>[] }>(await server.api(`${JOBS}?select=assetInfo,id,operational&filter=${encodeURIComponent(`id eq '${id}'`)}`), 200);
    expect(Object.keys(selected.items[0]!).sort()).toEqual(["assetInfo", "id", "operational"]);
    await expectError(await server.api(`${JOBS}${filter("protections/nothing eq 1")}`), 400);

    const other = await server.client("admin");
    await expectError(await server.api(`${JOBS}/${id}`, { token: other.token }), 404);
    expect((await json<{ total: number }>(await server.api(JOBS, { token: other.token }), 200)).total).toBe(0);
    await expectError(await server.api(`${JOBS}/${randomUUID()}`), 404);
  });
});

describe("run, suspend, resume", () => {
  let jobId: string;
  beforeAll(async () => {
    const policy = await newPolicy();
    jobId = (await createJob(server, jobBody(policy.id, vm(3).id))).id;
  });

  test("run with the blog's ScheduleIds queues those tiers (and a full backup when asked); Location is the run", async () => {
    const res = await server.api(`${JOBS}/${jobId}/run`, { method: "POST", json: { ScheduleIds: [3, 2], fullBackup: true } });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({});
    const location = res.headers.get("location")!;
    const runId = location.split("/").at(-1)!;
    const run = (await queuedRuns(server, jobId)).find((r) => r.id === runId)!;
    expect(run.payload).toMatchObject({ trigger: "ON_DEMAND", fullBackup: true });
    expect(run.payload.tiers.map((t) => [t.protectionType, t.scheduleId, t.sourceScheduleId])).toEqual([
      ["BACKUP", 2, 1],
      ["CLOUD_BACKUP", 3, 2],
    ]);
    const op = await json<{ state: string; associatedResources: { resourceUri: string }[] }>(await server.api(location), 200);
    expectContract("data-services", "Operation", op);
    expect(op.associatedResources.map((r) => r.resourceUri)).toContain(`${JOBS}/${jobId}`);

    const all = await server.api(`${JOBS}/${jobId}/run`, { method: "POST", json: { scheduleIds: [1] } });
    expect(all.status).toBe(202);
    const snapshotRun = (await queuedRuns(server, jobId)).find((r) => r.id === all.headers.get("location")!.split("/").at(-1))!;
    expect(snapshotRun.payload.tiers.map((t) => t.protectionType)).toEqual(["SNAPSHOT"]);
    expect(snapshotRun.payload.fullBackup).toBe(false);
  });

  test("an unknown schedule id is a 400, another workspace's job a 404: nothing is queued", async () => {
    const count = (await queuedRuns(server, jobId)).length;
    const err = await expectError(await server.api(`${JOBS}/${jobId}/run`, { method: "POST", json: { scheduleIds: [1, 7] } }), 400);
    expect(err.message).toMatch(/7 is not a schedule/);
    await expectError(await server.api(`${JOBS}/${jobId}/suspend`, { method: "POST", json: { scheduleIds: [8] } }), 400);
    const other = await server.client("admin");
    await expectError(await server.api(`${JOBS}/${jobId}/run`, { method: "POST", json: {}, token: other.token }), 404);
    await expectError(await server.api(`${JOBS}/${randomUUID()}/run`, { method: "POST", json: {} }), 404);
    expect((await queuedRuns(server, jobId)).length).toBe(count);
  });

  test("suspend stops a schedule (no next run, the VM PAUSED); suspending all makes the job SUSPENDED; resume starts them again", async () => {
    const suspended = await accepted(server, `${JOBS}/${jobId}/suspend`, { json: { scheduleIds: [1] } });
    expect(suspended.state).toBe("SUCCEEDED");
    let job = await getJob(server, jobId);
    expect(job.operational).toBe("PARTIALLY_SUSPENDED");
    const first = job.protections[0]!.schedules[0]!;
    expect(first.operational).toBe("SUSPENDED");
    expect(first.nextRunTime).toBeUndefined();
    expect((await getVm(vm(3).id)).protectionStatus).toBe("PAUSED");
    expect((await listJobs(filter("operational eq 'PARTIALLY_SUSPENDED'"))).items.map((j) => j.id)).toContain(jobId);
    const rows = await sql<{ schedule_id: number; suspended: number }>`select schedule_id, suspended from protection_schedules where protection_job_id = ${jobId} order by schedule_id`.execute(server.services.database.db);
    expect(rows.rows.map((r) => [Number(r.schedule_id), Number(r.suspended)])).toEqual([
      [1, 1],
      [2, 0],
      [3, 0],
    ]);

    expect((await accepted(server, `${JOBS}/${jobId}/suspend`, { json: {} })).state).toBe("SUCCEEDED");
    expect((await getJob(server, jobId)).operational).toBe("SUSPENDED");

    expect((await accepted(server, `${JOBS}/${jobId}/resume`, { json: { scheduleIds: [1, 2, 3] } })).state).toBe("SUCCEEDED");
    job = await getJob(server, jobId);
    expect(job.operational).toBe("ACTIVE");
    for (const s of job.protections.flatMap((p) => p.schedules)) {
      expect(s.operational).toBe("ACTIVE");
      expect(Date.parse(s.nextRunTime!)).toBeGreaterThan(Date.now() - 1000);
    }
    expectAssignedStatus(await getVm(vm(3).id));
  });
});

describe("the policy and the inventory", () => {
  test("a policy change reaches its jobs and VMs: its new name, and a changed schedule's next run", async () => {
    const policy = await newPolicy();
    const { id } = await createJob(server, jobBody(policy.id, (await freeVm()).id));
    const snapshot = policy.protections.find((p) => p.type === "SNAPSHOT")!;
    const renamed = `renamed-${randomUUID()}`;
    const patch = { name: renamed, protections: [{ id: snapshot.id, schedules: [{ scheduleId: 1, schedule: { recurrence: "DAILY", repeatInterval: { every: 1 }, startTime: "05:45" } }] }] };
    const res = await server.api(`${POLICIES}/${policy.id}`, { method: "PATCH", json: patch, headers: { "content-type": "application/merge-patch+json" } });
    expect(res.status, await res.clone().text()).toBe(200);
    const job = await getJob(server, id);
    expect(job.protectionPolicyInfo.name).toBe(renamed);
    expect(job.name).toBe(`${renamed} (${job.assetInfo.name})`);
    const next = new Date(job.protections[0]!.schedules[0]!.nextRunTime!);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([5, 45]);
    expect((await getVm(job.assetInfo.id)).protectionJobInfo?.protectionPolicyInfo.name).toBe(renamed);
  });

  test("an assigned policy cannot be deleted (409, in the service and by the database's reference)", async () => {
    const policy = await newPolicy();
    await createJob(server, jobBody(policy.id, (await freeVm()).id));
    const err = await expectError(await server.api(`${POLICIES}/${policy.id}`, { method: "DELETE" }), 409);
    expect(err.message).toMatch(/assigned/);
    // The database refuses it too, whatever a service checked.
    const refused = await sql`delete from protection_policies where id = ${policy.id}`.execute(server.services.database.db).then(
      () => "deleted",
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/foreign key/i);
    expect((await getPolicy(policy.id)).assigned).toBe(true);
  });

  test("a protected VM cannot be deleted nor its manager unregistered (409, in the service and by the database's reference)", async () => {
    const policy = await newPolicy();
    const target = await freeVm();
    await createJob(server, jobBody(policy.id, target.id));
    const vmErr = await expectError(await server.api(`${VMS}/${target.id}`, { method: "DELETE" }), 409);
    expect(vmErr.message).toMatch(/is protected by protection job .*delete the job first/);
    const managerErr = await expectError(await server.api(`${V1ALPHA1}/${managerId}`, { method: "DELETE" }), 409);
    expect(managerErr.message).toContain(target.name);
    // The database refuses the VM row's delete too, whatever a service checked.
    const refused = await sql`delete from virtual_machines where id = ${target.id}`.execute(server.services.database.db).then(
      () => "deleted",
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/foreign key/i);
    expect((await getVm(target.id)).protectionJobInfo).toBeDefined();
    expect((await server.api(`${VIRT}/hypervisor-managers/${managerId}`)).status).toBe(200);
  });

  test("rediscovery keeps the VM's protection fields", async () => {
    const policy = await newPolicy();
    const target = await freeVm();
    const { id } = await createJob(server, jobBody(policy.id, target.id));
    // Behind obr's back the VM changes, so the rediscovery rewrites its document.
    const { powerState } = await lab.lab.getVm(target.id);
    await lab.lab.powerVm(target.id, powerState === "poweredOn" ? "powerOff" : "powerOn");
    const refresh = await accepted(server, `${VIRT}/hypervisor-managers/${managerId}/refresh`, { json: {} });
    expect(refresh.state).toBe("SUCCEEDED");
    const after = await getVm(target.id);
    expect(after.protectionJobInfo?.id).toBe(id);
    expectAssignedStatus(after);
    expect(after.powerState).toBe(powerState === "poweredOn" ? "POWERED_OFF" : "POWERED_ON");
  });
});

describe("delete", () => {
  test("removes the job, its schedules, the policy's assignment and the VM's fields; then the policy can go", async () => {
    const policy = await newPolicy();
    const target = await freeVm();
    const { id } = await createJob(server, jobBody(policy.id, target.id));
    const stale = (await getJob(server, id)).generation - 1;
    await expectError(await server.api(`${JOBS}/${id}`, { method: "DELETE", headers: { "if-match": `"${stale}"` } }), 412);
    const other = await server.client("admin");
    await expectError(await server.api(`${JOBS}/${id}`, { method: "DELETE", token: other.token }), 404);

    const res = await server.api(`${JOBS}/${id}`, { method: "DELETE" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({});
    const op = await waitOperation(server, res.headers.get("location")!);
    expect(op.state).toBe("SUCCEEDED");
    await expectError(await server.api(`${JOBS}/${id}`), 404);
    const rows = await sql<{ n: number }>`select count(*) as n from protection_schedules where protection_job_id = ${id}`.execute(server.services.database.db);
    expect(Number(rows.rows[0]!.n)).toBe(0);
    const unassigned = await getPolicy(policy.id);
    expect(unassigned.assigned).toBe(false);
    expect(unassigned.protectionJobsInfo).toEqual([]);
    const vmAfter = await getVm(target.id);
    // LAPSED while copies its first run made remain, UNPROTECTED without any.
    expect(vmAfter.protectionStatus).toBe(vmAfter.recoveryPointsExist ? "LAPSED" : "UNPROTECTED");
    expect(vmAfter.protectionJobInfo).toBeUndefined();
    expect(vmAfter.protectionPolicyAppliedAtInfo).toBeUndefined();
    expect((await server.api(`${POLICIES}/${policy.id}`, { method: "DELETE" })).status).toBe(204);
  });
});

/** A VM of the lab that no job protects (creating one when all are taken). */
async function freeVm(): Promise<{ id: string; name: string }> {
  const taken = new Set((await listJobs("?limit=1000")).items.map((j) => j.assetInfo.id));
  const free = lab.vms.find((v) => !taken.has(v.id));
  if (free) return free;
  const created = await lab.lab.createVm({ name: `extra-${randomUUID().slice(0, 8)}`, disks: [{ capacityBytes: 1024 * 1024 }], powerOn: false, guest: { family: "linux", osName: "Ubuntu Linux (64-bit)" } });
  lab.vms.push(created);
  expect((await accepted(server, `${VIRT}/hypervisor-managers/${managerId}/refresh`, { json: {} })).state).toBe("SUCCEEDED");
  return created;
}
