// A request never waits long for a copy's disk to be materialised for file-level restore: with
// OBR_FLR_WAIT_SECONDS=0 the first browse of a copy answers 503 with Retry-After in the GreenLake
// error body while the disk goes on being restored into the cache, and asked again it lists.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { VirtualMachine } from "../../src/services/ports/hypervisor-connector.ts";
import { JOB_PROTECTION_RUN, type ProtectionRunPayload } from "../../src/services/protection/run-request.ts";
import { OPERATIONS, POLICIES, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { MiB, createSmallLab, registerLab, waitOperation } from "../helpers/inventory.ts";
import { storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const VMS = "/backup-recovery/v1beta1/virtual-machines";
let server: TestServer;
let vm: VirtualMachine;
let snapshotId: string;

beforeAll(async () => {
  server = await startTestServer({ OBR_FLR_WAIT_SECONDS: "0" });
  const small = await createSmallLab(server, "flr-wait", 1);
  vm = await small.lab.createVm({ name: "wait-01", disks: [{ capacityBytes: 16 * MiB }], powerOn: true });
  await small.lab.formatDisk(vm.id, vm.disks[0]!.id, [{ path: "/etc/hostname", data: Buffer.from("wait-01\n") }]);
  await registerLab(server, small.address);
  const stores = await storesOf(server);
  const policyId = (await json<{ id: string }>(await server.api(POLICIES, { method: "POST", json: policyBody("flr-wait", { stores }) }), 200)).id;
  const tier = { lockFor: null, consistency: "CRASH" as const, backupGranularity: "VMWARE_CBT" as const, verify: true, scheduleId: 1, protectionType: "SNAPSHOT" as const, protectionStoreId: null, expireAfter: { unit: "DAYS" as const, value: 2 }, sourceScheduleId: null };
  const payload: ProtectionRunPayload = { protectionJobId: randomUUID(), policyId, assetId: vm.id, assetType: "hybrid-cloud/virtual-machine", fullBackup: false, trigger: "ON_DEMAND", tiers: [tier] };
  const op = await server.services.operations.create({ customerId: server.admin.workspaceId, userId: server.admin.clientId, name: `Protect ${vm.name}`, jobType: JOB_PROTECTION_RUN, payload });
  server.services.worker.wake();
  expect((await waitOperation(server, `${OPERATIONS}/${op.id}`)).state).toBe("SUCCEEDED");
  snapshotId = (await json<{ items: { id: string }[] }>(await server.api(`${VMS}/${vm.id}/snapshots`), 200)).items[0]!.id;
}, 120_000);
afterAll(() => server?.stop());

test("the first browse of a copy answers 503 with Retry-After while its disk is materialised; asked again, it lists", async () => {
  const browse = () => server.api(`/obr/v1/virtual-machines/${vm.id}/copies/${snapshotId}/files?path=/etc`);
  const first = await browse();
  expect(first.headers.get("retry-after")).toBe("5");
  const body = await expectError(first, 503);
  expect(body.errorCode).toBe("SERVICE_UNAVAILABLE");
  expect(body.message).toContain("still being restored into the file-level-restore cache");
  let listed: { items: { name: string }[] } | undefined;
  for (let i = 0; i < 100 && !listed; i++) {
    const r = await browse();
    if (r.status === 200) listed = (await r.json()) as { items: { name: string }[] };
    else {
      expect(r.status).toBe(503);
      await new Promise((res) => setTimeout(res, 100)); // the client would wait Retry-After
    }
  }
  expect(listed?.items.map((e) => e.name)).toContain("hostname");
});
