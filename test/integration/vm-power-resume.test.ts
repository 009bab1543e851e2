// The power job's rule for a resumed run (attempt > 1), through the service the job calls: a VM
// already in the state the operation was to reach is done, even when the hypervisor no longer
// knows the operation (its state was changed again while the server was down). A first run keeps
// vCenter's 409 for a state that forbids the operation, and so does a resumed run that would not
// reach its target.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { powerVm } from "../../src/services/inventory/virtual-machine-work.ts";
import { type SmallLab, createSmallLab, registerLab } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let lab: SmallLab;
let managerId: string;

beforeAll(async () => {
  server = await startTestServer();
  lab = await createSmallLab(server, "resume", 1); // one VM, powered off
  managerId = (await registerLab(server, lab.address)).id;
});
afterAll(() => server.stop());

test("a resumed power-off finding the VM off succeeds; a first run, or one aiming elsewhere, is 409", async () => {
  const vm = lab.vms[0]!;
  const power = (operation: "powerOff" | "suspend", attempt: number, targetState: string) =>
    powerVm(server.services.inventory, server.admin.workspaceId, managerId, vm.id, operation, { operationId: randomUUID(), attempt, targetState });
  await expect(power("powerOff", 1, "POWERED_OFF")).rejects.toMatchObject({ kind: "conflict" });
  const [resource] = await power("powerOff", 2, "POWERED_OFF");
  expect(resource?.resourceUri).toMatch(new RegExp(`/virtual-machines/${vm.id}$`));
  await expect(power("suspend", 2, "SUSPENDED")).rejects.toMatchObject({ kind: "conflict" });
  expect((await lab.lab.getVm(vm.id)).powerState).toBe("poweredOff");
});
