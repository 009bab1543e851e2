// A real server process dies in the middle of a backup (OBR_CRASH_POINT: an image is in the store,
// its copy is not listed yet). After a restart the run ends FAILED with the reason, no copy is
// listed, neither the image nor the snapshot the tier took is left behind, and the next run succeeds.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { LabConnector } from "../../src/connectors/lab/lab-connector.ts";
import { type Services, buildServices } from "../../src/container.ts";
import { embeddedDataOrchestratorId } from "../../src/services/inventory/data-orchestrators.ts";
import { locate, type ProtectionStoreDoc } from "../../src/services/infrastructure/protection-store-state.ts";
import { JOB_PROTECTION_RUN, type ProtectionRunPayload } from "../../src/services/protection/run-request.ts";
import { until } from "../helpers/greenlake.ts";
import { type ObrProcess, killProcess, processToken, serveProcess } from "../helpers/obr-process.ts";
import { createSmallLabIn } from "../helpers/inventory.ts";
import { testDatabase } from "../helpers/test-server.ts";

let dataDir: string;
let database: ReturnType<typeof testDatabase>;
let running: ObrProcess | undefined;
let services: Services | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "obr-protect-crash-"));
  database = testDatabase(dataDir);
  await createSmallLabIn(dataDir, "demo", 1);
});
afterAll(async () => {
  if (running) await killProcess(running);
  await services?.storeRegistry.close();
  await services?.database.close();
  await rm(dataDir, { recursive: true, force: true });
  await database.drop();
});

const serve = async (env: Record<string, string> = {}) => {
  running = await serveProcess(dataDir, database.url, { OBR_JOB_LEASE_SECONDS: "1", ...env });
  return running;
};

async function api<T>(p: ObrProcess, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const headers = { authorization: `Bearer ${await processToken(p.url)}`, "content-type": "application/json" };
  const res = await fetch(`${p.url}${path}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as T };
}

interface Op {
  state: string;
  error?: { error: string };
  associatedResources: { resourceUri: string; type: string }[];
}
const ended = (op: Op) => ["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"].includes(op.state);
const waitFor = (p: ObrProcess, id: string) =>
  until(`operation ${id}`, async () => {
    const { body } = await api<Op>(p, `/data-services/v1beta1/async-operations/${id}`);
    return ended(body) ? body : undefined;
  }, 30_000, 100);

test("a server killed while a backup writes: the run ends FAILED, nothing half-made is listed or left, the next run succeeds", async () => {
  // Inventory and a cloud store through the API of a process that will die in the backup.
  let p = await serve({ OBR_CRASH_POINT: "protection.backup.after-image" });
  const token = await processToken(p.url);
  const workspace = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).cid as string;
  const register = await fetch(`${p.url}/backup-recovery/v1alpha1/hypervisor-managers`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ networkAddress: "lab://demo", hypervisorManagerType: "VMWARE_VCENTER", dataOrchestratorId: embeddedDataOrchestratorId(workspace), credentials: { username: "a", password: "-" } }),
  });
  expect(register.status).toBe(202);
  await waitFor(p, register.headers.get("location")!.split("/").at(-1)!);
  const store = await fetch(`${p.url}/backup-recovery/v1beta1/protection-stores`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ protectionStoreType: "CLOUD", storageLocationId: "aws:eu-west-1", displayName: "cloud" }),
  });
  const storeOp = await waitFor(p, store.headers.get("location")!.split("/").at(-1)!);
  const storeId = storeOp.associatedResources.find((r) => r.type === "backup-recovery/protection-store")!.resourceUri.split("/").at(-1)!;
  const vms = await api<{ items: { id: string; name: string }[] }>(p, "/virtualization/v1beta1/virtual-machines?sort=name");
  const vm = vms.body.items[0]!;

  // The run is queued as the protection-jobs service queues it (a cloud tier backing up the VM's snapshot straight into its store).
  services = await buildServices(loadConfig({ OBR_DATA_DIR: dataDir, OBR_DATABASE_URL: database.url, OBR_EMBEDDED_WORKER: "0", OBR_DEMO: "0" }), pino({ level: "silent" }));
  const payload: ProtectionRunPayload = {
    protectionJobId: randomUUID(),
    policyId: randomUUID(),
    assetId: vm.id,
    assetType: "hybrid-cloud/virtual-machine",
    fullBackup: false,
    trigger: "ON_DEMAND",
    tiers: [{ scheduleId: 1, protectionType: "CLOUD_BACKUP", protectionStoreId: storeId, expireAfter: null, lockFor: null, sourceScheduleId: null, consistency: "CRASH", backupGranularity: "VOLUME", verify: true }],
  };
  const queue = () => services!.operations.create({ customerId: workspace, userId: "scheduler", name: `Protect ${vm.name}`, jobType: JOB_PROTECTION_RUN, payload });

  // The process dies after the first image is written.
  const crashed = await queue();
  expect(await p.exited).toBe(137);

  p = await serve();
  const failed = await waitFor(p, crashed.id);
  expect(failed.state).toBe("FAILED");
  expect(failed.error?.error).toMatch(/Cloud backup of virtual machine .+ ended FAILED: the operation was interrupted/);
  const listed = await api<{ items: unknown[] }>(p, `/backup-recovery/v1beta1/virtual-machines/${vm.id}/backups`);
  expect(listed.body.items).toEqual([]);
  // The undo removed the image and the snapshot the tier took.
  const doc = (await services.stores.repository.get<ProtectionStoreDoc>(workspace, storeId))!;
  const images = await (await services.stores.registry.open(storeId, (await locate(services.stores, doc))!)).listImages();
  expect(images).toEqual([]);
  const lab = new LabConnector(join(dataDir, "lab", "demo"), "lab://demo");
  expect((await lab.listSnapshots(vm.id)).filter((s) => s.name.startsWith("obr-"))).toEqual([]);

  const next = await waitFor(p, (await queue()).id);
  expect(next.state, JSON.stringify(next.error)).toBe("SUCCEEDED");
  const after = await api<{ items: { backupType: string; verified: boolean }[] }>(p, `/backup-recovery/v1beta1/virtual-machines/${vm.id}/backups`);
  expect(after.body.items).toMatchObject([{ backupType: "CLOUD_BACKUP", verified: true }]);
  await killProcess(p);
}, 120_000);
