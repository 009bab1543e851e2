// Lab work interrupted by a crash at a deterministic point (OBR_CRASH_POINT, src/services/
// crash-points.ts) in a real server process: after a restart the operation ends as what happened,
// and the API, the lab inventory and the files on disk agree.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { VirtualMachine } from "../../src/connectors/hypervisor-connector.ts";
import { addDemoTopology } from "../../src/connectors/lab/demo-topology.ts";
import { LabConnector, initLab } from "../../src/connectors/lab/lab-connector.ts";
import { mutateLabState } from "../../src/connectors/lab/lab-state.ts";
import { embeddedDataOrchestratorId } from "../../src/services/inventory/data-orchestrators.ts";
import { OPERATIONS, json } from "../helpers/greenlake.ts";
import type { Operation } from "../helpers/inventory.ts";
import { VIRT } from "../helpers/inventory.ts";
import { type ObrProcess, killProcess, processToken, serveProcess } from "../helpers/obr-process.ts";
import { testDatabase } from "../helpers/test-server.ts";

const MiB = 1024 * 1024;
const VMS = `${VIRT}/virtual-machines`;

let dataDir: string;
let database: ReturnType<typeof testDatabase>;
let lab: LabConnector;
let mover: VirtualMachine;
let runner: VirtualMachine;
const servers: ObrProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "obr-lab-crash-"));
  database = testDatabase(dataDir);
  const labDir = join(dataDir, "lab", "crashlab");
  await initLab(labDir, "crashlab");
  await mutateLabState(labDir, (state) => {
    addDemoTopology(state);
  });
  lab = new LabConnector(labDir, "lab://crashlab");
  const ssd = (await lab.discover()).datastores.find((d) => d.name === "ds-ssd-01")!;
  mover = await lab.createVm({ name: "mover", datastoreId: ssd.id, disks: [{ capacityBytes: 2 * MiB }, { capacityBytes: MiB }] });
  for (const disk of mover.disks) await lab.writeDisk(mover.id, disk.id, 64 * 1024, randomBytes(200_000));
  runner = await lab.createVm({ name: "runner", disks: [{ capacityBytes: MiB }], powerOn: true });
});
afterAll(async () => {
  for (const server of servers) await killProcess(server);
  await rm(dataDir, { recursive: true, force: true });
  await database.drop();
});

async function start(crashPoint?: string) {
  const env = { OBR_JOB_LEASE_SECONDS: "1", ...(crashPoint ? { OBR_CRASH_POINT: crashPoint } : {}) };
  const server = await serveProcess(dataDir, database.url, env);
  servers.push(server);
  const token = await processToken(server.url);
  const api = (path: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${server.url}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${token}`, ...(init.json === undefined ? {} : { "content-type": "application/json" }) },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
  return { server, token, api };
}

type Api = Awaited<ReturnType<typeof start>>["api"];

async function location(res: Response): Promise<string> {
  expect(res.status, await res.clone().text()).toBe(202);
  return res.headers.get("location")!;
}

async function waitOperation(api: Api, path: string): Promise<Operation> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const op = await json<Operation>(await api(path), 200);
    if (["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"].includes(op.state)) return op;
    if (Date.now() > deadline) throw new Error(`operation ${path} still ${op.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const first = async <T>(api: Api, path: string, name: string): Promise<T> =>
  (await json<{ items: T[] }>(await api(`${path}?filter=${encodeURIComponent(`name eq '${name}'`)}`), 200)).items[0]!;

/** sha256 of each of the VM's disk files as the lab inventory names them, by disk id. */
async function diskHashes(vmId: string): Promise<Record<string, string>> {
  const { disks } = await lab.getVm(vmId);
  const out: Record<string, string> = {};
  for (const disk of disks) out[disk.id] = createHash("sha256").update(await readFile(labFile(disk.filePath))).digest("hex");
  return out;
}

/** "[ds-nfs-01] mover_1234abcd/mover.raw" -> the file under the lab's datastores folder. */
function labFile(filePath: string): string {
  const m = /^\[([^\]]+)\] (.+)$/.exec(filePath);
  if (!m) throw new Error(`not a datastore path: ${filePath}`);
  return join(lab.labDir, "datastores", m[1]!, m[2]!);
}

interface VmDoc {
  id: string;
  powerState: string;
  appInfo: { vmware: { datastoresInfo: { id: string }[] } };
  virtualDisks: { id: string; filePath: string; appInfo: { vmware: { datastoreInfo: { id: string } } } }[];
}

test("a migrate, a power-off and a deploy killed after their lab change resume to SUCCEEDED, and the API, the lab and the disks agree", async () => {
  // 1. A server that dies half-way through moving the VM's files.
  let s = await start("lab.relocate.mid-move");
  const registered = await location(
    await s.api("/backup-recovery/v1alpha1/hypervisor-managers", {
      method: "POST",
      json: {
        networkAddress: "lab://crashlab",
        hypervisorManagerType: "VMWARE_VCENTER",
        dataOrchestratorId: embeddedDataOrchestratorId(JSON.parse(Buffer.from(s.token.split(".")[1] ?? "", "base64url").toString()).cid),
        credentials: { username: "administrator@vsphere.local", password: "-" },
      },
    }),
  );
  expect((await waitOperation(s.api, registered)).state).toBe("SUCCEEDED");
  const managerId = (await json<{ items: { id: string }[] }>(await s.api(`${VIRT}/hypervisor-managers`), 200)).items[0]!.id;
  const nfs = await first<{ id: string }>(s.api, `${VIRT}/datastores`, "ds-nfs-01");
  const cluster = (await json<{ items: { id: string }[] }>(await s.api(`${VIRT}/hypervisor-clusters`), 200)).items[0]!;
  const hashesBefore = await diskHashes(mover.id);
  const migrate = await location(
    await s.api(`${VMS}/migrate?parameter-type=vms&vms=${mover.id}`, {
      method: "POST",
      json: { hypervisorManagerId: managerId, targetDatastoreId: nfs.id, targetHypervisorClusterId: cluster.id },
    }),
  );
  expect(await s.server.exited).toBe(137);

  // 2. Restarted: the migrate resumes and succeeds; the next server dies right after a power change.
  s = await start("lab.power.after-apply");
  const migrated = await waitOperation(s.api, migrate);
  expect(migrated.state, JSON.stringify(migrated.error)).toBe("SUCCEEDED");
  const moved = await json<VmDoc>(await s.api(`${VMS}/${mover.id}`), 200);
  const inLab = await lab.getVm(mover.id);
  expect(moved.appInfo.vmware.datastoresInfo.map((d) => d.id)).toEqual([nfs.id]);
  expect(inLab.datastoreIds).toEqual([nfs.id]);
  expect(moved.virtualDisks.map((d) => [d.id, d.filePath, d.appInfo.vmware.datastoreInfo.id])).toEqual(inLab.disks.map((d) => [d.id, d.filePath, nfs.id]));
  for (const disk of moved.virtualDisks) expect(disk.filePath.startsWith("[ds-nfs-01] ")).toBe(true);
  expect(await diskHashes(mover.id)).toEqual(hashesBefore); // read from the paths the API reports

  const powerOff = await location(await s.api(`${VMS}/${runner.id}/power-off`, { method: "POST", json: {} }));
  expect(await s.server.exited).toBe(137);
  expect((await lab.getVm(runner.id)).powerState).toBe("poweredOff"); // the change happened before the kill

  // 3. Restarted: the power-off resumes and reports what happened (not a 409 against its own change);
  // the next server dies right after a deployed VM is registered in the lab.
  s = await start("lab.create.after-register");
  const powered = await waitOperation(s.api, powerOff);
  expect(powered.state, JSON.stringify(powered.error)).toBe("SUCCEEDED");
  const doc = await json<VmDoc>(await s.api(`${VMS}/${runner.id}`), 200);
  expect(doc.powerState).toBe("POWERED_OFF");
  expect((await lab.getVm(runner.id)).powerState).toBe("poweredOff");

  const deploy = await location(
    await s.api(VMS, { method: "POST", json: { vmConfig: { name: "deployed", acceptEula: true }, storageConfig: { defaultDatastoreId: nfs.id } } }),
  );
  expect(await s.server.exited).toBe(137);

  // 4. Restarted: the deploy resumes and finds the VM its first run made, instead of a second one.
  s = await start();
  const deployed = await waitOperation(s.api, deploy);
  expect(deployed.state, JSON.stringify(deployed.error)).toBe("SUCCEEDED");
  const labVms = (await lab.discover()).vms.filter((v) => v.name === "deployed");
  expect(labVms).toHaveLength(1);
  expect((await first<{ id: string }>(s.api, VMS, "deployed")).id).toBe(labVms[0]!.id);
  expect((await json<{ items: unknown[] }>(await s.api(`${OPERATIONS}?filter=${encodeURIComponent("state eq 'FAILED'")}`), 200)).items).toEqual([]);
}, 120_000);
