// Data orchestrators over HTTP: the embedded orchestrator's real facts and heartbeat, list
// filters, PATCH kept and returned, the embedded one's refusals (409 with the reason), TOTP,
// remote support, the support bundle archive, and workspace isolation; bodies checked against
// the contract.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { VERSION } from "../../src/version.ts";
import { expectContract, expectError, json, until } from "../helpers/greenlake.ts";
import { accepted, dataOrchestratorId } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const DO = "/backup-recovery/v1beta1/data-orchestrators";
type Doc = Record<string, unknown>;

let server: TestServer;
let id: string;

beforeAll(async () => {
  server = await startTestServer({ OBR_ORCHESTRATOR_HEARTBEAT_SECONDS: "1" });
  id = dataOrchestratorId(server.admin.workspaceId);
});
afterAll(async () => {
  await server?.stop();
});

describe("list and get", () => {
  test("the embedded orchestrator reports this process's version, CPUs, memory, uptime and heartbeat", async () => {
    const list = await json<{ items: Doc[]; count: number; total: number }>(await server.api(DO), 200);
    expectContract("backup-recovery", "DataOrchestratorList", list);
    expect(list.total).toBe(1);
    const doc = await json<Doc>(await server.api(`${DO}/${id}`), 200);
    expectContract("backup-recovery", "DataOrchestratorDetails", doc);
    expect(doc).toMatchObject({ id, connectionState: "CONNECTED", state: "OK", softwareVersion: VERSION, vCpu: availableParallelism(), deployment: "EMBEDDED" });
    expect(doc.totalMemoryInGiB).toBeTypeOf("number");
    // The server's loop beats every second: uptime and the heartbeat time move.
    const later = await until("a newer heartbeat", async () => {
      const d = await json<Doc>(await server.api(`${DO}/${id}`), 200);
      return d.lastHeartbeatAt !== doc.lastHeartbeatAt ? d : undefined;
    });
    expect(Date.parse(String(later.lastHeartbeatAt))).toBeGreaterThan(Date.parse(String(doc.lastHeartbeatAt)));
  });

  test("filters of the contract select it or not", async () => {
    const q = (f: string) => server.api(`${DO}?filter=${encodeURIComponent(f)}`).then((r) => json<{ total: number }>(r, 200));
    expect((await q("connectionState eq 'CONNECTED'")).total).toBe(1);
    expect((await q("connectionState eq 'DISCONNECTED'")).total).toBe(0);
    expect((await q(`softwareVersion eq '${VERSION}' and state eq 'OK'`)).total).toBe(1);
    await expectError(await server.api(`${DO}?filter=${encodeURIComponent("vCpu gt 1")}`), 400);
  });

  test("another workspace sees its own embedded orchestrator only, and a 404 for this one", async () => {
    const other = await server.client("admin");
    const list = await json<{ items: Doc[] }>(await server.api(DO, { token: other.token }), 200);
    expect(list.items.map((d) => d.id)).toEqual([dataOrchestratorId(other.workspaceId)]);
    await expectError(await server.api(`${DO}/${id}`, { token: other.token }), 404);
    await expectError(await server.api(`${DO}/${id}/generate-totp`, { method: "POST", token: other.token }), 404);
    await expectError(await server.api(`${DO}/${id}`, { method: "PATCH", json: { displayName: "x" }, token: other.token }), 404);
  });
});

describe("writes", () => {
  test("PATCH keeps and returns network, time and NTP settings, never the proxy password", async () => {
    const patch = {
      displayName: "do-1",
      dateTime: { methodDateTimeSet: "NTP", timezone: "Europe/Paris" },
      network: {
        hostname: "do-1.lab.local",
        defaultGateway: "10.0.0.1",
        nameServers: [{ networkAddress: "10.0.0.53" }],
        nic: [{ name: "eth0", addressType: "STATIC", networkAddress: "10.0.0.10", subnetMask: "255.255.255.0", enabled: true }],
        proxy: { networkAddress: "proxy.lab.local", port: 3128, credentials: { username: "u", password: "proxy-pass-123" } },
      },
      ntp: { ntpServers: [{ networkAddress: "pool.ntp.org" }] },
    };
    const op = await accepted(server, `${DO}/${id}`, { method: "PATCH", json: patch });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const doc = await json<Doc>(await server.api(`${DO}/${id}`), 200);
    expectContract("backup-recovery", "DataOrchestratorDetails", doc);
    expect(doc).toMatchObject({
      displayName: "do-1",
      dateTime: patch.dateTime,
      interfaces: { network: { hostname: "do-1.lab.local", defaultGateway: "10.0.0.1", nic: patch.network.nic, proxy: { port: 3128, credentials: { username: "u" } } } },
      ntp: { ntpServers: [{ networkAddress: "pool.ntp.org" }], state: "OK" },
      state: "OK",
    });
    const everything = JSON.stringify(await (await server.api(`/data-services/v1beta1/async-operations?limit=100`)).json());
    expect(JSON.stringify(doc) + everything).not.toContain("proxy-pass-123");
  });

  test("read-only or unknown fields are refused and nothing changes", async () => {
    const before = await json<Doc>(await server.api(`${DO}/${id}`), 200);
    await expectError(await server.api(`${DO}/${id}`, { method: "PATCH", json: { connectionState: "DISCONNECTED" } }), 400);
    await expectError(await server.api(`${DO}/${id}`, { method: "PATCH", json: { network: { nic: [{ networkAddress: "not-an-ip" }] } } }), 400);
    const after = await json<Doc>(await server.api(`${DO}/${id}`), 200);
    expect(after.displayName).toBe(before.displayName);
  });

  test("the embedded orchestrator cannot be unregistered, restarted, shut down or recovered: 409 with the reason", async () => {
    const body = await expectError(await server.api(`${DO}/${id}`, { method: "DELETE" }), 409);
    expect(body.message).toMatch(/embedded data orchestrator runs inside the obr server process/);
    for (const action of ["restart-guest-os", "shutdown-guest-os"]) await expectError(await server.api(`${DO}/${id}/${action}`, { method: "POST", json: {} }), 409);
    await expectError(await server.api(`${DO}/${id}/recover`, { method: "POST", json: { sid: crypto.randomUUID() } }), 409);
    expect((await json<Doc>(await server.api(`${DO}/${id}`), 200)).state).toBe("OK");
  });

  test("generate-totp answers a 6-digit RFC 6238 code of a per-orchestrator secret that is never returned", async () => {
    const a = await json<{ totp: string; expiresInSeconds: string }>(await server.api(`${DO}/${id}/generate-totp`, { method: "POST" }), 200);
    expectContract("backup-recovery", "TOTPResponse", a);
    expect(a.totp).toMatch(/^\d{6}$/);
    expect(Number(a.expiresInSeconds)).toBeGreaterThan(0);
    expect(Number(a.expiresInSeconds)).toBeLessThanOrEqual(30);
    const row = await server.services.database.db.selectFrom("data_orchestrators").select("totp_seed").where("id", "=", id).executeTakeFirstOrThrow();
    const { totp } = await import("../../src/domain/totp.ts");
    expect([totp(Buffer.from(row.totp_seed!, "hex"), Date.now() / 1000).code, totp(Buffer.from(row.totp_seed!, "hex"), Date.now() / 1000 - 30).code]).toContain(a.totp);
    expect(JSON.stringify(await (await server.api(`${DO}/${id}`)).json())).not.toContain(row.totp_seed!);
  });

  test("set-remote-support keeps the setting", async () => {
    const op = await accepted(server, `${DO}/${id}/set-remote-support`, { json: { remoteAccessEnabled: true } });
    expect(op.state).toBe("SUCCEEDED");
    const doc = await json<Doc>(await server.api(`${DO}/${id}`), 200);
    expect(doc.remoteAccessEnabled).toBe(true);
    expectContract("backup-recovery", "DataOrchestratorDetails", doc);
  });

  test("generate-support-bundle makes a tar.gz of configuration, facts and logs with secrets removed, downloadable by its workspace only", async () => {
    const op = await accepted(server, `${DO}/${id}/generate-support-bundle`, { json: { description: "ticket 42" } });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const link = op.associatedResources.find((r) => r.type === "obr/support-bundle");
    expect(link?.resourceUri).toBe(`/obr/v1/support-bundles/${op.id}`);
    const res = await server.api(link!.resourceUri);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    const dir = mkdtempSync(join(tmpdir(), "obr-bundle-"));
    try {
      writeFileSync(join(dir, "b.tar.gz"), Buffer.from(await res.arrayBuffer()));
      execFileSync("tar", ["xzf", "b.tar.gz"], { cwd: dir });
      const config = readFileSync(join(dir, "bundle/config.json"), "utf8");
      expect(JSON.parse(config)).toMatchObject({ dataDir: server.dataDir });
      expect(readFileSync(join(dir, "bundle/operations.log"), "utf8")).toContain("Update data orchestrator");
      expect(readFileSync(join(dir, "bundle/README.txt"), "utf8")).toContain("ticket 42");
      const all = ["config.json", "orchestrator.json", "facts.json", "operations.log"].map((f) => readFileSync(join(dir, "bundle", f), "utf8")).join("");
      expect(all).not.toContain("proxy-pass-123");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const other = await server.client("admin");
    await expectError(await server.api(link!.resourceUri, { token: other.token }), 404);
  });
});
