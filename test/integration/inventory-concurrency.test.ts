// Operations that touch the same documents at once (the worker runs several jobs in parallel):
// power actions on different VMs refresh the same datastores while a manager refresh rewrites
// everything. All must succeed and the documents must end as the lab has them.
import { afterAll, beforeAll, expect, test } from "vitest";
import { json } from "../helpers/greenlake.ts";
import { type SmallLab, VIRT, createSmallLab, list, registerLab, waitOperation } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let lab: SmallLab;
let managerId: string;

beforeAll(async () => {
  server = await startTestServer({ OBR_WORKER_CONCURRENCY: "8" });
  lab = await createSmallLab(server, "busy", 6);
  managerId = (await registerLab(server, lab.address)).id;
});
afterAll(async () => {
  await server?.stop();
});

test("parallel power actions and a manager refresh all succeed", async () => {
  // Out-of-band changes for the refresh to find, racing the actions' own VM refreshes.
  await lab.lab.createVm({ name: "extra-01", disks: [{ capacityBytes: 1024 * 1024 }] });
  const requests = lab.vms.map((vm) => server.api(`${VIRT}/virtual-machines/${vm.id}/${vm.powerState === "poweredOn" ? "power-off" : "power-on"}`, { method: "POST" }));
  requests.push(server.api(`${VIRT}/hypervisor-managers/${managerId}/refresh`, { method: "POST" }));
  const responses = await Promise.all(requests);
  for (const r of responses) expect(r.status, await r.clone().text()).toBe(202);
  const ops = await Promise.all(responses.map((r) => waitOperation(server, r.headers.get("location")!)));
  for (const op of ops) expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  const vms = await list<{ id: string; name: string; powerState: string }>(server, `${VIRT}/virtual-machines?sort=name&limit=100`);
  expect(vms.total).toBe(7);
  for (const vm of lab.vms) {
    const doc = vms.items.find((v) => v.id === vm.id)!;
    expect(doc.powerState).toBe(vm.powerState === "poweredOn" ? "POWERED_OFF" : "POWERED_ON");
  }
  const manager = await json<{ state: string }>(await server.api(`${VIRT}/hypervisor-managers/${managerId}`), 200);
  expect(manager.state).toBe("OK");
});
