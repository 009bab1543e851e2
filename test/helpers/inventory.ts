// Fixtures for the inventory suites: a small lab (the demo topology with a few blank-disk VMs)
// in a server's data dir, hypervisor-manager registration over HTTP and async-operation polling.
import { join } from "node:path";
import { expect } from "vitest";
import type { VirtualMachine } from "../../src/connectors/hypervisor-connector.ts";
import { addDemoTopology } from "../../src/connectors/lab/demo-topology.ts";
import { LabConnector, initLab } from "../../src/connectors/lab/lab-connector.ts";
import { mutateLabState } from "../../src/connectors/lab/lab-state.ts";
import { embeddedDataOrchestratorId } from "../../src/services/inventory/data-orchestrators.ts";
import { OPERATIONS, expectContract, json } from "./greenlake.ts";
import type { TestServer } from "./test-server.ts";

export const V1ALPHA1 = "/backup-recovery/v1alpha1/hypervisor-managers";
export const VIRT = "/virtualization/v1beta1";
export const MiB = 1024 * 1024;

export interface Operation {
  id: string;
  state: string;
  error?: { error: string; errorCode: string };
  associatedResources: { name?: string; resourceUri: string; type: string }[];
  logMessages: { message: string }[];
}

export interface SmallLab {
  lab: LabConnector;
  address: string;
  vms: VirtualMachine[];
}

/** A lab named `name` in the server's lab root: demo infrastructure and `vmCount` small VMs. */
export function createSmallLab(server: TestServer, name: string, vmCount = 3): Promise<SmallLab> {
  return createSmallLabIn(server.dataDir, name, vmCount);
}

/** createSmallLab in a data dir (for tests that run `obr serve` processes on it). */
export async function createSmallLabIn(dataDir: string, name: string, vmCount = 3): Promise<SmallLab> {
  const labDir = join(dataDir, "lab", name);
  await initLab(labDir, name);
  await mutateLabState(labDir, (state) => {
    addDemoTopology(state);
  });
  const address = `lab://${name}`;
  const lab = new LabConnector(labDir, address);
  const vms: VirtualMachine[] = [];
  for (let i = 1; i <= vmCount; i++) {
    const disks = i % 2 === 0 ? [{ capacityBytes: 2 * MiB }, { capacityBytes: MiB }] : [{ capacityBytes: 2 * MiB }];
    vms.push(await lab.createVm({ name: `vm-${String(i).padStart(2, "0")}`, disks, powerOn: i !== vmCount, guest: { family: "linux", osName: "Ubuntu Linux (64-bit)" } }));
  }
  return { lab, address, vms };
}

export const dataOrchestratorId = (workspaceId: string) => embeddedDataOrchestratorId(workspaceId);

export function registrationBody(server: TestServer, address: string, extra: Record<string, unknown> = {}) {
  return {
    networkAddress: address,
    hypervisorManagerType: "VMWARE_VCENTER",
    dataOrchestratorId: dataOrchestratorId(server.admin.workspaceId),
    credentials: { username: "administrator@vsphere.local", password: "secret" },
    ...extra,
  };
}

/** Polls an async operation until it ends; returns it (validated against the contract). */
export async function waitOperation(server: TestServer, location: string, token?: string): Promise<Operation> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const op = await json<Operation>(await server.api(location, token ? { token } : {}), 200);
    if (["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"].includes(op.state)) {
      expectContract("data-services", "Operation", op);
      return op;
    }
    if (Date.now() > deadline) throw new Error(`operation ${location} still ${op.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends a write that must answer 202 + Location; waits for the operation and returns it. */
export async function accepted(server: TestServer, path: string, init: RequestInit & { json?: unknown; token?: string } = {}): Promise<Operation> {
  const res = await server.api(path, { method: "POST", ...init });
  const body = await res.text();
  expect(res.status, body).toBe(202);
  expect(JSON.parse(body)).toEqual({});
  const location = res.headers.get("location");
  expect(location).toMatch(new RegExp(`^${OPERATIONS}/[0-9a-f-]{36}$`));
  return waitOperation(server, location!, init.token);
}

/** Registers a lab vCenter and waits; returns the manager id. */
export async function registerLab(server: TestServer, address: string, token?: string): Promise<{ id: string; op: Operation }> {
  const op = await accepted(server, V1ALPHA1, { json: registrationBody(server, address), ...(token ? { token } : {}) });
  expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  const ref = op.associatedResources.find((r) => r.type === "virtualization/hypervisor-manager");
  expect(ref).toBeDefined();
  return { id: ref!.resourceUri.split("/").at(-1)!, op };
}

export interface List<T> {
  items: T[];
  count: number;
  offset: number;
  total: number;
}

export async function list<T = Record<string, unknown>>(server: TestServer, path: string, schema?: string, token?: string): Promise<List<T>> {
  const body = await json<List<T>>(await server.api(path, token ? { token } : {}), 200);
  if (schema) expectContract("virtualization", schema, body);
  return body;
}
