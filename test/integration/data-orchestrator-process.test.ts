// A real `obr orchestrator` process: paired by its activation code, the server's own worker off,
// it heartbeats and runs the jobs routed to it over HTTP; its support bundle and restart; killed,
// it turns DISCONNECTED and its job is recovered; unregistered, its credential is refused.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { REMOTE_ORCHESTRATOR_JOBS } from "../../src/domain/orchestrator-job-types.ts";
import { expectContract, expectError, json, until } from "../helpers/greenlake.ts";
import { type Operation, accepted, waitOperation } from "../helpers/inventory.ts";
import { type OrchestratorProcess, orchestratorProcess } from "../helpers/obr-process.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const DO = "/backup-recovery/v1beta1/data-orchestrators";
const OPS = "/data-services/v1beta1/async-operations";
type Doc = Record<string, unknown>;

type Orchestrator = OrchestratorProcess;
const startOrchestrator = (server: string, stateDir: string) => orchestratorProcess(server, stateDir);

let server: TestServer;
let stateDir: string;
let orchestrator: Orchestrator;
let id: string;

beforeAll(async () => {
  server = await startTestServer({ OBR_EMBEDDED_WORKER: "0", OBR_ORCHESTRATOR_HEARTBEAT_SECONDS: "1", OBR_JOB_LEASE_SECONDS: "2" });
  stateDir = mkdtempSync(join(tmpdir(), "obr-orch-"));
  orchestrator = startOrchestrator(server.url, stateDir);
});
afterAll(async () => {
  if (orchestrator && orchestrator.child.exitCode === null) orchestrator.child.kill("SIGKILL");
  await orchestrator?.exited;
  await server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Queues a job routed to the orchestrator, as any use case targeting it does. */
async function routedJob(payload: object): Promise<string> {
  const op = await server.services.operations.create({ customerId: server.admin.workspaceId, userId: server.admin.clientId, name: "routed test job", jobType: REMOTE_ORCHESTRATOR_JOBS.test, payload, target: id });
  return `${OPS}/${op.id}`;
}

test("paired by its activation code (201 + Location + body); an unknown or used code is refused", async () => {
  const code = await until("the activation code", async () => /activation code: ([0-9a-f-]{36})/.exec(orchestrator.output())?.[1], 20_000);
  await expectError(await server.api(DO, { method: "POST", json: { activationCode: crypto.randomUUID() } }), 400);
  const res = await server.api(DO, { method: "POST", json: { activationCode: code, displayName: "remote-1" } });
  const body = await json<Doc>(res, 201);
  expectContract("backup-recovery", "DataOrchestratorDetails", body);
  id = String(body.id);
  expect(res.headers.get("location")).toBe(`${DO}/${id}`);
  expect(body).toMatchObject({ displayName: "remote-1", deployment: "SEPARATE", connectionState: "CONNECTED" });
  await expectError(await server.api(DO, { method: "POST", json: { activationCode: code } }), 400);
  await until("paired", async () => orchestrator.output().includes(`paired as data orchestrator ${id}`) || undefined, 10_000);
  // Its heartbeats arrive: the process's own facts, its pid among them in the log.
  const first = await json<Doc>(await server.api(`${DO}/${id}`), 200);
  await until("a heartbeat after pairing", async () => {
    const d = await json<Doc>(await server.api(`${DO}/${id}`), 200);
    return d.lastHeartbeatAt !== first.lastHeartbeatAt ? d : undefined;
  });
  const other = await server.client("admin");
  await expectError(await server.api(`${DO}/${id}`, { token: other.token }), 404);
});

test("with the server's worker off, a job routed to it runs in that process", async () => {
  const op = await waitOperation(server, await routedJob({ sleepMs: 0 }));
  expect(op.state, JSON.stringify(op)).toBe("SUCCEEDED");
  const log = JSON.stringify(op.logMessages);
  expect(log).toContain(`running on data orchestrator ${id}`);
  expect(log).toContain(`test job running in process ${orchestrator.child.pid}`);
});

test("its support bundle is built there and downloadable, without its credential", async () => {
  const op = await accepted(server, `${DO}/${id}/generate-support-bundle`, { json: {} });
  expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  const link = op.associatedResources.find((r) => r.type === "obr/support-bundle")!;
  const res = await server.api(link.resourceUri);
  expect(res.status).toBe(200);
  const dir = mkdtempSync(join(tmpdir(), "obr-bundle-"));
  try {
    writeFileSync(join(dir, "b.tar.gz"), Buffer.from(await res.arrayBuffer()));
    execFileSync("tar", ["xzf", "b.tar.gz"], { cwd: dir });
    expect(readFileSync(join(dir, "bundle/orchestrator.log"), "utf8")).toContain(`paired as data orchestrator ${id}`);
    const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")) as { credential: string; pollSecret: string };
    const all = ["orchestrator.log", "settings.json", "facts.json"].map((f) => readFileSync(join(dir, "bundle", f), "utf8")).join("");
    expect(all).not.toContain(state.credential.split(".")[2]);
    expect(all).not.toContain(state.pollSecret);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("restart-guest-os restarts its orchestrator role: poweredOnAt moves", async () => {
  const before = await json<Doc>(await server.api(`${DO}/${id}`), 200);
  const op = await accepted(server, `${DO}/${id}/restart-guest-os`, { json: { force: true } });
  expect(op.state).toBe("SUCCEEDED");
  await until("a later poweredOnAt", async () => {
    const d = await json<Doc>(await server.api(`${DO}/${id}`), 200);
    return Date.parse(String(d.poweredOnAt)) > Date.parse(String(before.poweredOnAt)) ? d : undefined;
  });
});

test("killed: its heartbeat stops, it shows DISCONNECTED and its job is recovered; unregistered, its credential is refused", async () => {
  const location = await routedJob({ sleepMs: 120_000 });
  await until("the job running there", async () => ((await json<Operation>(await server.api(location), 200)).state === "RUNNING" ? true : undefined));
  orchestrator.child.kill("SIGKILL");
  await orchestrator.exited;
  const doc = await until("DISCONNECTED", async () => {
    const d = await json<Doc>(await server.api(`${DO}/${id}`), 200);
    return d.connectionState === "DISCONNECTED" ? d : undefined;
  });
  expectContract("backup-recovery", "DataOrchestratorDetails", doc);
  expect(String(doc.stateReason)).toMatch(/^no heartbeat since/);
  const listed = await json<{ total: number }>(await server.api(`${DO}?filter=${encodeURIComponent("connectionState eq 'DISCONNECTED'")}`), 200);
  expect(listed.total).toBeGreaterThanOrEqual(1);
  const op = await waitOperation(server, location);
  expect(op.state).toBe("FAILED");
  expect(op.error?.error).toMatch(/interrupted/);
  // A DISCONNECTED orchestrator is not asked to restart.
  await expectError(await server.api(`${DO}/${id}/restart-guest-os`, { method: "POST", json: {} }), 409);

  const res = await server.api(`${DO}/${id}`, { method: "DELETE" });
  expect(res.status).toBe(204);
  await expectError(await server.api(`${DO}/${id}`), 404);
  // The same process started again presents its revoked credential, is refused and stops.
  orchestrator = startOrchestrator(server.url, stateDir);
  expect(await orchestrator.exited).toBe(3);
  expect(orchestrator.output()).toContain("unregistered");
});
