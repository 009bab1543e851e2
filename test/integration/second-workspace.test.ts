// A second workspace gets inventory by documented commands alone: `obr info` shows its data
// orchestrator id, `obr lab create` makes a lab, and a registration through the running server
// opens it without a restart.
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { buildCli } from "../../src/cli/program.ts";
import { embeddedDataOrchestratorId } from "../../src/services/inventory/data-orchestrators.ts";
import { V1ALPHA1, VIRT, accepted, list } from "../helpers/inventory.ts";
import { type TestClient, type TestServer, startTestServer, testDb } from "../helpers/test-server.ts";

let server: TestServer;
let team: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  team = await server.client("admin"); // a new workspace
});
afterAll(async () => {
  await server?.stop();
});

/** Runs `obr ...` in this process against the server's data dir and database; stdout, or the exit. */
async function obr(...args: string[]): Promise<string> {
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const errors = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const exit = vi.spyOn(process, "exit").mockImplementation((code) => {
    throw new Error(`exit ${code}: ${out.join("")}`);
  });
  try {
    const env = { OBR_DATA_DIR: server.dataDir, OBR_DATABASE_URL: server.services.config.databaseUrl };
    await (await buildCli(env, ["node", "obr", ...args])).parseAsync(["node", "obr", ...args]);
  } finally {
    write.mockRestore();
    errors.mockRestore();
    exit.mockRestore();
  }
  return out.join("");
}

const register = (name: string, dataOrchestratorId: string) =>
  accepted(server, V1ALPHA1, {
    token: team.token,
    json: { networkAddress: `lab://${name}`, hypervisorManagerType: "VMWARE_VCENTER", dataOrchestratorId, credentials: { username: "administrator@vsphere.local" } },
  });

test("obr info shows every workspace with its embedded data orchestrator id", async () => {
  const info = JSON.parse(await obr("info", "--json")) as { workspaces: { workspaceId: string; dataOrchestratorId: string }[]; labs: string[] };
  const byId = new Map(info.workspaces.map((w) => [w.workspaceId, w.dataOrchestratorId]));
  expect(byId.get(team.workspaceId)).toBe(embeddedDataOrchestratorId(team.workspaceId));
  expect(byId.get(server.admin.workspaceId)).toBe(embeddedDataOrchestratorId(server.admin.workspaceId));
  const table = await obr("info", "--workspace", team.workspaceId);
  expect(table).toContain(`${team.workspaceId}  ${embeddedDataOrchestratorId(team.workspaceId)}`);
  expect(table).not.toContain(server.admin.workspaceId);
});

test("lab create --empty, then the second workspace registers it through the running server", async () => {
  const created = JSON.parse(await obr("lab", "create", "team-empty", "--empty", "--json")) as { address: string; vms: number };
  expect(created).toMatchObject({ address: "lab://team-empty", vms: 0 });
  const info = JSON.parse(await obr("info", "--json", "--workspace", team.workspaceId)) as { workspaces: { dataOrchestratorId: string }[]; labs: string[] };
  expect(info.labs).toContain("team-empty");
  const op = await register("team-empty", info.workspaces[0]!.dataOrchestratorId);
  expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  expect((await list(server, `${VIRT}/datastores`, undefined, team.token)).total).toBeGreaterThan(0);
  expect((await list(server, `${VIRT}/virtual-machines`, undefined, team.token)).total).toBe(0);
  // The same name again is refused, and the lab is untouched.
  await expect(obr("lab", "create", "team-empty")).rejects.toThrow(/exit 1: .*already exists/);
});

test("a lab name that cannot be registered is refused before anything is made", async () => {
  await expect(obr("lab", "create", "Team_B", "--empty")).rejects.toThrow(/exit 1: .*lower-case/);
  const info = JSON.parse(await obr("info", "--json")) as { labs: string[] };
  expect(info.labs).not.toContain("Team_B");
});

// The demo VMs take seconds of CPU to write; the database plays no part in building them.
test.skipIf(testDb === "postgres")("lab create (demo VMs by default): the workspace sees the VMs; the first workspace does not", async () => {
  const text = await obr("lab", "create", "team-demo", "--workspace", team.workspaceId);
  expect(text).toContain("6 VMs");
  expect(text).toContain(`"dataOrchestratorId":"${embeddedDataOrchestratorId(team.workspaceId)}"`);
  const op = await register("team-demo", embeddedDataOrchestratorId(team.workspaceId));
  expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  expect((await list(server, `${VIRT}/virtual-machines?filter=${encodeURIComponent("hypervisorManagerInfo/name eq 'team-demo'")}`, undefined, team.token)).total).toBe(6);
  expect((await list(server, `${VIRT}/virtual-machines?filter=${encodeURIComponent("hypervisorManagerInfo/name eq 'team-demo'")}`)).total).toBe(0);
});
