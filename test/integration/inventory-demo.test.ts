// The first start with OBR_DEMO on (what `obr serve` runs once it listens): the admin's workspace
// gets the demo lab as a real registration (its operation SUCCEEDED), visible through HTTP with
// the documented shape, demo protection stores and a three-tier policy on two demo VMs; a second
// start changes nothing. The harness's admin client exists before firstStart runs, so it is the
// admin firstStart picks (no credentials.json is written).
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type FirstStart, firstStart } from "../../src/container.ts";
import { OPERATIONS, expectContract, json } from "../helpers/greenlake.ts";
import { MiB, VIRT, list } from "../helpers/inventory.ts";
import { STORES } from "../helpers/stores.ts";
import { JOBS, type Job, queuedRuns } from "../helpers/protection-jobs.ts";
import { waitOperation } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let start: FirstStart;
let token: string;

beforeAll(async () => {
  server = await startTestServer({ OBR_DEMO: "1" });
  start = await firstStart(server.services);
  token = server.admin.token;
});
afterAll(async () => {
  await server?.stop();
});

test("the demo lab is registered in the bootstrap admin's workspace", async () => {
  expect(start.workspaceId).toBe(server.admin.workspaceId);
  expect(start.demo?.state).toBe("SUCCEEDED");
  const op = await json<{ state: string; associatedResources: { resourceUri: string }[] }>(await server.api(`${OPERATIONS}/${start.demo!.operationId}`, { token }), 200);
  expect(op.state).toBe("SUCCEEDED");
  expect(op.associatedResources[0]!.resourceUri).toBe(`${VIRT}/hypervisor-managers/${start.demo!.managerId}`);
  const managers = await list<{ name: string; state: string; dataOrchestratorInfo: { id: string } }>(server, `${VIRT}/hypervisor-managers`, "HypervisorManagerList", token);
  expect(managers.items).toHaveLength(1);
  expect(managers.items[0]).toMatchObject({ name: "demo", state: "OK", dataOrchestratorInfo: { id: start.dataOrchestratorId } });
  const stranger = await server.client("admin");
  expect((await list(server, `${VIRT}/virtual-machines`, undefined, stranger.token)).total).toBe(0);
});

test("1 datacenter, 1 cluster, 2 hosts, 2 datastores, networks and 6 VMs with 1-2 disks of 64-256 MiB", async () => {
  const m = await json<{ appInfo: { vmware: { datacenters: unknown[] } } }>(await server.api(`${VIRT}/hypervisor-managers/${start.demo!.managerId}`, { token }), 200);
  expect(m.appInfo.vmware.datacenters).toHaveLength(1);
  expect((await list(server, `${VIRT}/hypervisor-clusters`, "HypervisorClusterList", token)).total).toBe(1);
  expect((await list(server, `${VIRT}/hypervisor-hosts`, "HypervisorHostList", token)).total).toBe(2);
  expect((await list(server, `${VIRT}/datastores`, "DatastoreList", token)).total).toBe(2);
  expect((await list(server, `${VIRT}/hypervisor-managers/${start.demo!.managerId}/networks`, "HypervisorNetworkList", token)).total).toBeGreaterThanOrEqual(1);
  const vms = await list<{ name: string; powerState: string; virtualDisks: { capacityInBytes: number }[] }>(server, `${VIRT}/virtual-machines?sort=name&limit=100`, "VirtualMachineList", token);
  expect(vms.total).toBe(6);
  for (const vm of vms.items) {
    expectContract("virtualization", "VirtualMachine", vm);
    expect(vm.virtualDisks.length).toBeGreaterThanOrEqual(1);
    expect(vm.virtualDisks.length).toBeLessThanOrEqual(2);
    for (const d of vm.virtualDisks) {
      expect(d.capacityInBytes).toBeGreaterThanOrEqual(64 * MiB);
      expect(d.capacityInBytes).toBeLessThanOrEqual(256 * MiB);
    }
  }
  expect(start.demo!.summary.vms.map((v) => v.name).sort()).toEqual(vms.items.map((v) => v.name));
  // Sparse with real content: allocated well below provisioned, yet not empty.
  expect(start.demo!.summary.allocatedBytes).toBeGreaterThan(0);
  expect(start.demo!.summary.allocatedBytes).toBeLessThan(start.demo!.summary.provisionedBytes);
});

test("demo protection stores: an encrypted cloud store, and a gateway in the demo lab with an on-premises store", async () => {
  const made = start.demoStores!;
  expect([made.cloud.state, made.gateway?.state, made.onPremises?.state]).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
  const stores = await json<{ total: number; items: Record<string, unknown>[] }>(await server.api(`${STORES}?sort=displayName`, { token }), 200);
  expectContract("backup-recovery", "ProtectionStoreList", stores);
  expect(stores.total).toBe(2);
  expect(stores.items[0]).toMatchObject({ id: made.cloud.id, protectionStoreType: "CLOUD", state: "ONLINE", encrypted: true, storageLocationInfo: { id: "aws:us-west-2" } });
  expect(stores.items[1]).toMatchObject({
    id: made.onPremises!.id,
    protectionStoreType: "ON_PREMISES",
    state: "ONLINE",
    storageSystemInfo: { id: made.gateway!.id, type: "PROTECTION_STORE_GATEWAY" },
  });
  const gateway = await json<{ name: string; vmId?: string }>(await server.api(`/backup-recovery/v1beta1/protection-store-gateways/${made.gateway!.id}`, { token }), 200);
  expect(gateway.name).toBe("demo-psg");
  const stranger = await server.client("admin");
  expect((await json<{ total: number }>(await server.api(STORES, { token: stranger.token }), 200)).total).toBe(0);
});

test("demo protection: the blog's three-tier policy on the demo stores, assigned to two demo VMs whose first runs are queued", async () => {
  const made = start.demoProtection!;
  expect(made.vms.map((v) => v.name)).toHaveLength(2);
  for (const vm of made.vms) expect((await waitOperation(server, `${OPERATIONS}/${vm.operationId}`, token)).state).toBe("SUCCEEDED");
  const policy = await json<{ name: string; assigned: boolean; protections: { type: string; protectionStoreInfo?: { id: string } }[] }>(
    await server.api(`/backup-recovery/v1beta1/protection-policies/${made.policyId}`, { token }),
    200,
  );
  expect(policy.assigned).toBe(true);
  expect(policy.protections.map((p) => [p.type, p.protectionStoreInfo?.id])).toEqual([
    ["SNAPSHOT", undefined],
    ["BACKUP", start.demoStores!.onPremises!.id],
    ["CLOUD_BACKUP", start.demoStores!.cloud.id],
  ]);
  const jobs = await json<{ total: number; items: Job[] }>(await server.api(`${JOBS}?sort=assetInfo/name`, { token }), 200);
  expectContract("backup-recovery", "DataManagementJobsList", jobs);
  expect(jobs.items.map((j) => j.assetInfo.name)).toEqual(made.vms.map((v) => v.name));
  for (const job of jobs.items) expect((await queuedRuns(server, job.id)).map((r) => r.payload.trigger)).toEqual(["INITIAL"]);
  // Asked again without its marker, it reuses the policy and the jobs.
  await rm(join(server.dataDir, "demo-protection.done"));
  const again = await firstStart(server.services);
  expect(again.demoProtection).toEqual({ policyId: made.policyId, vms: made.vms.map((v) => ({ name: v.name })) });
  expect((await json<{ total: number }>(await server.api(JOBS, { token }), 200)).total).toBe(2);
});

test("a second start neither rebuilds nor re-registers", async () => {
  const again = await firstStart(server.services);
  expect(again.created).toBeUndefined();
  expect(again.demo).toBeUndefined();
  expect(again.demoStores).toBeUndefined();
  expect(again.demoProtection).toBeUndefined();
  expect((await json<{ total: number }>(await server.api(STORES, { token }), 200)).total).toBe(2);
  expect(again.dataOrchestratorId).toBe(start.dataOrchestratorId);
  expect((await list(server, `${VIRT}/hypervisor-managers`, undefined, token)).total).toBe(1);
});
