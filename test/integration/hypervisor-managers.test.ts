// Hypervisor managers over HTTP: registration through v1alpha1 (202 + operation that discovers
// the lab), reads through virtualization/v1beta1, refused addresses, data orchestrator checks,
// update, unregister and workspace isolation; every body checked against the contract.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectContract, expectError, json } from "../helpers/greenlake.ts";
import { type SmallLab, V1ALPHA1, VIRT, accepted, createSmallLab, dataOrchestratorId, list, registerLab, registrationBody } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let lab: SmallLab;
let managerId: string;

beforeAll(async () => {
  server = await startTestServer();
  lab = await createSmallLab(server, "alpha", 3);
  managerId = (await registerLab(server, lab.address)).id;
});
afterAll(async () => {
  await server?.stop();
});

describe("registration", () => {
  test("the manager is OK with the lab's identity and the embedded data orchestrator", async () => {
    const m = await json<Record<string, unknown>>(await server.api(`${VIRT}/hypervisor-managers/${managerId}`), 200);
    expectContract("virtualization", "HypervisorManager", m);
    expect(m).toMatchObject({
      id: managerId,
      name: "alpha",
      displayName: "alpha",
      networkAddress: "lab://alpha",
      hypervisorManagerType: "VMWARE_VCENTER",
      state: "OK",
      status: "OK",
      type: "virtualization/hypervisor-manager",
      resourceUri: `${VIRT}/hypervisor-managers/${managerId}`,
      customerId: server.admin.workspaceId,
      username: "administrator@vsphere.local",
    });
    expect(JSON.stringify(m)).not.toContain("secret");
    expect((m.appInfo as { vmware: { datacenters: { name: string }[] } }).vmware.datacenters.map((d) => d.name)).toEqual(["Datacenter-Lab"]);
    expect(typeof m.lastRefreshed).toBe("string");
    const managers = await list(server, `${VIRT}/hypervisor-managers`, "HypervisorManagerList");
    expect(managers.items.map((x) => x.id)).toEqual([managerId]);
  });

  test("discovery stored clusters, hosts, datastores, networks, folders, pools and tags", async () => {
    const clusters = await list(server, `${VIRT}/hypervisor-clusters`, "HypervisorClusterList");
    expect(clusters.items.map((c) => c.name)).toEqual(["Cluster-01"]);
    const hosts = await list(server, `${VIRT}/hypervisor-hosts?sort=name`, "HypervisorHostList");
    expect(hosts.items.map((h) => h.name)).toEqual(["esxi-01.lab.local", "esxi-02.lab.local"]);
    const host = await json(await server.api(`${VIRT}/hypervisor-hosts/${hosts.items[0]!.id}`), 200);
    expectContract("virtualization", "HypervisorHost", host);
    expect(host).toMatchObject({ parentInfo: { type: "CLUSTER", name: "Cluster-01" }, hostType: "ESXI", state: "OK" });
    const ds = await list(server, `${VIRT}/datastores?sort=name`, "DatastoreList");
    expect(ds.items.map((d) => d.name)).toEqual(["ds-nfs-01", "ds-ssd-01"]);
    const under = `${VIRT}/hypervisor-managers/${managerId}`;
    const networks = await list(server, `${under}/networks?sort=name`, "HypervisorNetworkList");
    expect(networks.items.map((n) => n.name)).toEqual(["Management", "Production-VLAN100", "VM Network"]);
    const net = await json(await server.api(`${under}/networks/${networks.items[0]!.id}`), 200);
    expectContract("virtualization", "HypervisorNetwork", net);
    const folders = await list(server, `${under}/folders?filter=folderType eq 'VM'&sort=name`, "HypervisorFolderList");
    expect(folders.items.map((f) => f.name)).toEqual(["Development", "Production", "vm"]);
    const pools = await list(server, `${under}/resource-pools?sort=name`, "HypervisorResourcePoolList");
    expect(pools.items.map((p) => p.name)).toEqual(["Development", "Production", "Resources"]);
    const tags = await list(server, `${under}/tags?filter=categoryName eq 'Backup Tier'&sort=name`, "HypervisorTagList");
    expect(tags.items.map((t) => t.name)).toEqual(["Gold", "Silver"]);
    const tag = await json(await server.api(`${under}/tags/${tags.items[0]!.id}`), 200);
    expectContract("virtualization", "HypervisorTag", tag);
    const images = await list(server, `${under}/hypervisor-library-images`, "HypervisorLibraryImageList");
    expect(images.total).toBe(0);
  });

  test("sub-collections are scoped by the manager in the path; an unknown manager is a 404", async () => {
    const other = randomUUID();
    await expectError(await server.api(`${VIRT}/hypervisor-managers/${other}/networks`), 404);
    const all = await list(server, `${VIRT}/hypervisor-managers/${managerId}/networks`);
    await expectError(await server.api(`${VIRT}/hypervisor-managers/${other}/networks/${all.items[0]!.id}`), 404);
  });

  test("registering the same address again is a conflict (409)", async () => {
    await expectError(await server.api(V1ALPHA1, { method: "POST", json: registrationBody(server, ` ${lab.address} `) }), 409);
  });

  test("a lab that does not exist registers and then fails with the reason", async () => {
    const op = await accepted(server, V1ALPHA1, { json: registrationBody(server, "lab://nowhere") });
    expect(op.state).toBe("FAILED");
    expect(op.error?.error).toMatch(/does not exist/);
    const id = op.associatedResources[0]!.resourceUri.split("/").at(-1)!;
    const m = await json<Record<string, unknown>>(await server.api(`${VIRT}/hypervisor-managers/${id}`), 200);
    expectContract("virtualization", "HypervisorManager", m);
    expect(m).toMatchObject({ state: "ERROR", status: "ERROR" });
    expect(String(m.stateReason)).toMatch(/does not exist/);
    const gone = await accepted(server, `${V1ALPHA1}/${id}`, { method: "DELETE" });
    expect(gone.state).toBe("SUCCEEDED");
  });
});

describe("refused registrations", () => {
  test.each(["http://127.0.0.1", "https://127.0.0.1:443/sdk", "169.254.169.254", "http://169.254.169.254/latest/meta-data", "file:///etc/passwd", "[::1]", "metadata.google.internal", "vcenter.example.com", "lab://Bad_Name"])(
    "networkAddress %s gets 400 and creates nothing",
    async (address) => {
      const before = await list(server, `${VIRT}/hypervisor-managers`);
      const res = await server.api(V1ALPHA1, { method: "POST", json: registrationBody(server, address) });
      expect(res.headers.get("location")).toBeNull();
      await expectError(res, 400);
      expect((await list(server, `${VIRT}/hypervisor-managers`)).total).toBe(before.total);
    },
  );

  test("an unknown data orchestrator id gets 400", async () => {
    await expectError(await server.api(V1ALPHA1, { method: "POST", json: registrationBody(server, "lab://beta", { dataOrchestratorId: randomUUID() }) }), 400);
  });

  test("missing required fields and unknown fields get 400", async () => {
    const { credentials: _c, ...noCredentials } = registrationBody(server, "lab://beta");
    await expectError(await server.api(V1ALPHA1, { method: "POST", json: noCredentials }), 400);
    await expectError(await server.api(V1ALPHA1, { method: "POST", json: { ...registrationBody(server, "lab://beta"), port: 443 } }), 400);
    await expectError(await server.api(V1ALPHA1, { method: "POST", json: { ...registrationBody(server, "lab://beta"), hypervisorManagerType: "HYPER_V" } }), 400);
  });

  test("a read-only client may not register", async () => {
    const reader = await server.client("read-only", server.admin.workspaceId);
    await expectError(await server.api(V1ALPHA1, { method: "POST", json: registrationBody(server, "lab://beta"), token: reader.token }), 403);
  });
});

describe("update and unregister", () => {
  test("PATCH changes displayName and description; references follow", async () => {
    const op = await accepted(server, `${V1ALPHA1}/${managerId}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ displayName: "Lab vCenter", description: "the alpha lab" }),
    });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const m = await json<Record<string, unknown>>(await server.api(`${VIRT}/hypervisor-managers/${managerId}`), 200);
    expect(m).toMatchObject({ displayName: "Lab vCenter", description: "the alpha lab", state: "OK" });
    const vms = await list<{ hypervisorManagerInfo: { displayName: string } }>(server, `${VIRT}/virtual-machines`);
    expect(vms.items.every((v) => v.hypervisorManagerInfo.displayName === "Lab vCenter")).toBe(true);
  });

  test("PATCH to another lab rediscovers: the old lab's objects are marked, the new ones appear", async () => {
    const other = await createSmallLab(server, "epsilon", 1);
    const { id } = await registerLab(server, (await createSmallLab(server, "zeta", 2)).address);
    const op = await accepted(server, `${V1ALPHA1}/${id}`, { method: "PATCH", json: { networkAddress: other.address } });
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    const m = await json<Record<string, unknown>>(await server.api(`${VIRT}/hypervisor-managers/${id}`), 200);
    expect(m).toMatchObject({ name: "epsilon", networkAddress: "lab://epsilon", state: "OK" });
    const vms = await list<{ name: string; state: string }>(server, `${VIRT}/virtual-machines?filter=hypervisorManagerInfo/id eq '${id}'&sort=name`);
    expect(vms.items.map((v) => `${v.name}:${v.state}`).sort()).toEqual(["vm-01:DELETED", "vm-01:OK", "vm-02:DELETED"]);
    expect((await accepted(server, `${V1ALPHA1}/${id}`, { method: "DELETE" })).state).toBe("SUCCEEDED");
  });

  test("PATCH to a refused address gets 400; unknown id 404", async () => {
    await expectError(await server.api(`${V1ALPHA1}/${managerId}`, { method: "PATCH", json: { networkAddress: "http://127.0.0.1" } }), 400);
    await expectError(await server.api(`${V1ALPHA1}/${randomUUID()}`, { method: "PATCH", json: { displayName: "x" } }), 404);
    await expectError(await server.api(`${V1ALPHA1}/${randomUUID()}`, { method: "DELETE" }), 404);
  });

  test("v1alpha1 has no GET; v1beta1 has no writes", async () => {
    await expectError(await server.api(`${V1ALPHA1}/${managerId}`), 405);
    await expectError(await server.api(`${VIRT}/hypervisor-managers`, { method: "POST", json: {} }), 405);
  });

  test("a manager busy with another operation answers 409 to refresh, PATCH and a second DELETE", async () => {
    const repo = server.services.inventory.store.repository("hypervisor-manager");
    const customerId = server.admin.workspaceId;
    await repo.update(customerId, managerId, undefined, (m) => ({ ...m, state: "REFRESHING" }));
    try {
      await expectError(await server.api(`${VIRT}/hypervisor-managers/${managerId}/refresh`, { method: "POST" }), 409);
      await expectError(await server.api(`${V1ALPHA1}/${managerId}`, { method: "PATCH", json: { displayName: "x" } }), 409);
      await repo.update(customerId, managerId, undefined, (m) => ({ ...m, state: "DELETING" }));
      await expectError(await server.api(`${V1ALPHA1}/${managerId}`, { method: "DELETE" }), 409);
    } finally {
      await repo.update(customerId, managerId, undefined, (m) => ({ ...m, state: "OK" }));
    }
  });

  test("refresh of an unknown manager is 404", async () => {
    await expectError(await server.api(`${VIRT}/hypervisor-managers/${randomUUID()}/refresh`, { method: "POST" }), 404);
  });

  test("unregister removes the manager and its whole inventory", async () => {
    const second = await createSmallLab(server, "gamma", 2);
    const { id } = await registerLab(server, second.address);
    expect((await list(server, `${VIRT}/virtual-machines?filter=hypervisorManagerInfo/id eq '${id}'`)).total).toBe(2);
    const op = await accepted(server, `${V1ALPHA1}/${id}?force=true`, { method: "DELETE" });
    expect(op.state).toBe("SUCCEEDED");
    await expectError(await server.api(`${VIRT}/hypervisor-managers/${id}`), 404);
    expect((await list(server, `${VIRT}/virtual-machines?filter=hypervisorManagerInfo/id eq '${id}'`)).total).toBe(0);
    await expectError(await server.api(`${VIRT}/hypervisor-managers/${id}/networks`), 404);
    // The first manager's inventory is untouched.
    expect((await list(server, `${VIRT}/virtual-machines`)).total).toBe(3);
  });
});

describe("workspaces", () => {
  test("another workspace sees none of it and cannot act on it", async () => {
    const other = await server.client("admin");
    const token = other.token;
    for (const path of ["hypervisor-managers", "virtual-machines", "datastores", "hypervisor-clusters", "hypervisor-hosts"]) {
      expect((await list(server, `${VIRT}/${path}`, undefined, token)).total).toBe(0);
    }
    await expectError(await server.api(`${VIRT}/hypervisor-managers/${managerId}/networks`, { token }), 404);
    await expectError(await server.api(`${VIRT}/hypervisor-managers/${managerId}`, { token }), 404);
    await expectError(await server.api(`${VIRT}/hypervisor-managers/${managerId}/refresh`, { method: "POST", token }), 404);
    await expectError(await server.api(`${V1ALPHA1}/${managerId}`, { method: "DELETE", token }), 404);
    const vm = lab.vms[0]!;
    await expectError(await server.api(`${VIRT}/virtual-machines/${vm.id}`, { token }), 404);
    await expectError(await server.api(`${VIRT}/virtual-machines/${vm.id}/power-off`, { method: "POST", token }), 404);
    // Its own data orchestrator id is not the first workspace's.
    await expectError(await server.api(V1ALPHA1, { method: "POST", json: registrationBody(server, "lab://delta"), token }), 400);
  });

  test("a lab registered in one workspace cannot be registered in another (inventory ids are the lab's)", async () => {
    const other = await server.client("admin");
    const body = { ...registrationBody(server, lab.address), dataOrchestratorId: dataOrchestratorId(other.workspaceId) };
    const op = await accepted(server, V1ALPHA1, { json: body, token: other.token });
    expect(op.state).toBe("FAILED");
    expect(op.error?.error).toMatch(/already registered/);
    const mine = await list<{ state: string }>(server, `${VIRT}/hypervisor-managers`, "HypervisorManagerList", other.token);
    expect(mine.items.map((m) => m.state)).toEqual(["ERROR"]);
    expect((await list(server, `${VIRT}/virtual-machines`, undefined, other.token)).total).toBe(0);
    expect((await list(server, `${VIRT}/virtual-machines`)).total).toBe(3);
  });
});
