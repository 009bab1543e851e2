// The actions on a protection store gateway over HTTP: sizers and resize, NICs, power, remote
// support, console user, support bundle, ping/traceroute (really run, only where safe) and recover.
import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verifySecret } from "../../src/auth/secret-hash.ts";
import { type GatewayLab, PSG, deployGateway, gatewayBody, gatewayLab, getGateway } from "../helpers/gateways.ts";
import { expectContract, expectError, json } from "../helpers/greenlake.ts";
import { accepted } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let at: GatewayLab;
let id: string;

beforeAll(async () => {
  server = await startTestServer();
  at = await gatewayLab(server, "actlab");
  id = await deployGateway(server, at, "psg-act");
});
afterAll(async () => {
  await server?.stop();
});

const post = (action: string, body?: unknown, query = "") => accepted(server, `${PSG}/${id}/${action}${query}`, body === undefined ? {} : { json: body });

describe("sizers and resize", () => {
  test("both sizers answer the formula's numbers, valid against SizeResults", async () => {
    const request = { maxOnPremDailyProtectedDataInTiB: 5, maxOnPremRetentionDays: 5, maxInCloudDailyProtectedDataInTiB: 90, maxInCloudRetentionDays: 90 };
    const sized = await json(await server.api("/backup-recovery/v1beta1/protection-store-gateway-sizer", { method: "POST", json: request }), 200);
    expectContract("backup-recovery", "SizeResults", sized);
    expect(sized).toEqual({ vCpu: 2, ramInGiB: 15, storageInTiB: 6.25, iops: 2213.7 });
    const grown = await json<{ storageInTiB: number }>(await server.api(`${PSG}/${id}/sizer`, { method: "POST", json: { maxOnPremRetentionDays: 30 } }), 200);
    expect(grown.storageInTiB).toBeGreaterThan(6.25);
    await expectError(await server.api("/backup-recovery/v1beta1/protection-store-gateway-sizer", { method: "POST", json: {} }), 400);
    await expectError(await server.api("/backup-recovery/v1beta1/protection-store-gateway-sizer", { method: "POST", json: { maxOnPremDailyProtectedDataInTiB: -1 } }), 400);
  });

  test("resize reconfigures the running VM (shut down, changed, started again) and records the new size", async () => {
    const op = await post("resize", { maxOnPremDailyProtectedDataInTiB: 5, maxOnPremRetentionDays: 5, override: { cpu: 4, ramInGiB: 20, storageInTiB: 3 } });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const g = await getGateway(server, id);
    expect(g).toMatchObject({ state: "PSG_STATE_OK", override: { cpu: 4, ramInGiB: 20, storageInTiB: 3 }, datastoresInfo: [{ id: at.datastoreId, totalProvisionedDiskInTiB: 3 }] });
    expect(await at.lab.lab.getVm(g.vmId!)).toMatchObject({ numCpus: 4, memoryMib: 20 * 1024, powerState: "poweredOn" });
    expect((await server.services.useCases.storageSystems.find(server.admin.workspaceId, id))!.capacityBytes).toBe(3 * 2 ** 40);
    await expectError(await server.api(`${PSG}/${id}/resize`, { method: "POST", json: { datastoreIds: [] } }), 400);
  });
});

describe("network interfaces", () => {
  test("createNic, updateNic and deleteNic change the gateway's configuration; bad ones are 400s", async () => {
    await post("createNic", { nic: { networkType: "STATIC", networkAddress: "10.30.0.5", subnetMask: "255.255.255.0", gateway: "10.30.0.1", networkName: "backup" } });
    let g = await getGateway(server, id);
    const added = g.network.nics.find((n) => n.networkAddress === "10.30.0.5")!;
    expect(added).toMatchObject({ networkIndex: 1, networkType: "STATIC", subnetMask: "255.255.255.0", networkName: "backup" });
    await post("updateNic", { nic: { id: added.id, networkAddress: "10.30.0.6" } });
    g = await getGateway(server, id);
    expect(g.network.nics.find((n) => n.id === added.id)).toMatchObject({ networkAddress: "10.30.0.6", subnetMask: "255.255.255.0" });
    await expectError(await server.api(`${PSG}/${id}/createNic`, { method: "POST", json: { nic: { networkType: "STATIC" } } }), 400);
    await expectError(await server.api(`${PSG}/${id}/createNic`, { method: "POST", json: { nic: { networkType: "STATIC", networkAddress: "10.30.0.6", subnetMask: "255.255.255.0" } } }), 400);
    const management = g.network.nics.find((n) => n.networkIndex === 0)!;
    await expectError(await server.api(`${PSG}/${id}/deleteNic`, { method: "POST", json: { nic: { id: management.id } } }), 400);
    await post("deleteNic", { nic: { id: added.id } });
    expect((await getGateway(server, id)).network.nics.map((n) => n.id)).toEqual([management.id]);
    await expectError(await server.api(`${PSG}/${id}/updateNic`, { method: "POST", json: { nic: { id: added.id, networkAddress: "10.30.0.7" } } }), 400);
  });
});

describe("power", () => {
  test("shutdown, power-on and restart move the VM and the gateway's state; wrong states are 409", async () => {
    await expectError(await server.api(`${PSG}/${id}/power-on`, { method: "POST" }), 409);
    await post("shutdown-guest-os");
    let g = await getGateway(server, id);
    expect(g).toMatchObject({ state: "PSG_STATE_OK_OFF", health: { state: "PSG_HEALTH_STATE_OFF", status: "PSG_HEALTH_STATUS_DISCONNECTED" } });
    expect((await at.lab.lab.getVm(g.vmId!)).powerState).toBe("poweredOff");
    await expectError(await server.api(`${PSG}/${id}/restart-guest-os`, { method: "POST" }), 409);
    await expectError(await server.api(`${PSG}/${id}/ping`, { method: "POST", json: { address: "127.0.0.1" } }), 409);
    await post("power-on");
    g = await getGateway(server, id);
    expect(g.state).toBe("PSG_STATE_OK");
    const booted = (await at.lab.lab.getVm(g.vmId!)).bootTime;
    await post("restart-guest-os");
    expect((await at.lab.lab.getVm(g.vmId!)).bootTime).not.toBe(booted);
  });
});

describe("remote support and console user", () => {
  test("set-remote-support turns it on with a station id and off again", async () => {
    await post("set-remote-support", { enabled: true });
    const on = await getGateway(server, id);
    expect(on.remoteAccessEnabled).toBe(true);
    expect(on.remoteAccessStationId).toMatch(/^RS-[0-9A-F]{12}$/);
    await post("set-remote-support", { enabled: false });
    const off = await getGateway(server, id);
    expect(off.remoteAccessEnabled).toBe(false);
    expect(off).not.toHaveProperty("remoteAccessStationId");
  });

  test("consoleUser generates new credentials each time, shown once and kept only as a hash", async () => {
    const first = await json<{ username: string; password: string }>(await server.api(`${PSG}/${id}/consoleUser`, { method: "POST" }), 200);
    expectContract("backup-recovery", "GatewayConsoleCredentials", first);
    expect(first.username).toBe("console");
    expect(first.password.length).toBeGreaterThanOrEqual(20);
    const second = await json<{ password: string }>(await server.api(`${PSG}/${id}/consoleUser`, { method: "POST" }), 200);
    expect(second.password).not.toBe(first.password);
    const stored = (await server.services.database.db.selectFrom("storage_system_secrets").select("value").where("owner_id", "=", id).where("kind", "=", "console-user").executeTakeFirstOrThrow()).value;
    expect(stored).not.toContain(second.password);
    expect(await verifySecret(second.password, stored.slice("console:".length))).toBe(true);
    expect(await verifySecret(first.password, stored.slice("console:".length))).toBe(false);
    expect(JSON.stringify(await getGateway(server, id))).not.toContain(second.password);
  });
});

describe("support bundle", () => {
  test("generate-support-bundle writes a real tar.gz with the gateway's configuration", async () => {
    const op = await post("generate-support-bundle", { description: "ticket 42" });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const line = op.logMessages.map((m) => m.message).find((m) => m.startsWith("support bundle written"))!;
    // The server's own paths never reach clients: the log names the file under "<data dir>".
    const shown = /written: <data dir>\/(support-bundles\/psg-\S+\.tar\.gz)/.exec(line)![1]!;
    const path = join(server.dataDir, shown);
    expect(execFileSync("tar", ["-tzf", path], { encoding: "utf8" }).split("\n").filter(Boolean).sort()).toEqual(["README.txt", "gateway.json", "storage.json", "vm.json"]);
    const config = JSON.parse(execFileSync("tar", ["-xzOf", path, "gateway.json"], { encoding: "utf8" })) as { id: string };
    expect(config.id).toBe(id);
    expect(execFileSync("tar", ["-xzOf", path, "README.txt"], { encoding: "utf8" })).toContain("ticket 42");
    expect(await readdir(join(server.dataDir, "support-bundles"))).toHaveLength(1);
  });
});

describe("ping and traceroute", () => {
  test("a loopback address is really probed and the result recorded", async () => {
    const port = Number(new URL(server.url).port);
    const op = await post("ping", { address: `127.0.0.1:${port}` });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect(op.logMessages.map((m) => m.message).join("\n")).toMatch(new RegExp(`ping 127\\.0\\.0\\.1:${port} \\(probed 127\\.0\\.0\\.1:${port}: loopback\\): reachable, [0-9.]+ ms: connection accepted on port ${port}`));
    const trace = await post("traceroute", { address: "localhost" });
    expect(trace.state, JSON.stringify(trace.error)).toBe("SUCCEEDED");
    expect(trace.logMessages.map((m) => m.message).join("\n")).toMatch(/traceroute localhost \(probed 127\.0\.0\.1:7: loopback\): 1 hop: 127\.0\.0\.1 [0-9.]+ ms/);
  });

  test("a lab host's address is probed on this machine, where the lab runs", async () => {
    const hosts = await json<{ items: { networkAddress: string; name: string }[] }>(await server.api("/virtualization/v1beta1/hypervisor-hosts"), 200);
    const host = hosts.items[0]!;
    const op = await post("ping", { address: host.networkAddress });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect(op.logMessages.map((m) => m.message).join("\n")).toContain(`ping ${host.networkAddress} (probed 127.0.0.1:7: host ${host.name} of the gateway's lab`);
  });

  test("any other address is refused with a 400, nothing is queued", async () => {
    for (const address of ["8.8.8.8", "example.com", "10.99.99.99", "169.254.169.254"]) {
      const err = await expectError(await server.api(`${PSG}/${id}/ping`, { method: "POST", json: { address } }), 400);
      expect(err.message).toContain("only against loopback addresses and the addresses of the gateway's lab");
    }
    await expectError(await server.api(`${PSG}/${id}/traceroute`, { method: "POST", json: { address: "1.1.1.1" } }), 400);
  });
});

describe("recover", () => {
  test("recover redeploys a gateway whose VM is gone, keeping its id and configuration; a present VM needs force", async () => {
    const body = gatewayBody(at.managerId, at.datastoreId, "psg-act");
    await expectError(await server.api(`${PSG}/${id}/recover`, { method: "POST", json: body }), 409);
    const before = await getGateway(server, id);
    await at.lab.lab.powerVm(before.vmId!, "powerOff");
    await at.lab.lab.deleteVm(before.vmId!);
    const op = await post("recover", body);
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const after = await getGateway(server, id);
    expect(after).toMatchObject({ id, serialNumber: before.serialNumber, state: "PSG_STATE_OK" });
    expect(after.vmId).not.toBe(before.vmId);
    expect((await at.lab.lab.getVm(after.vmId!)).powerState).toBe("poweredOn");
    const forced = await post("recover", body, "?force=true");
    expect(forced.state, JSON.stringify(forced.error)).toBe("SUCCEEDED");
    expect((await getGateway(server, id)).vmId).not.toBe(after.vmId);
  });
});
