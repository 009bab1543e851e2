// Write semantics a script relies on: body-less actions sent with a JSON content type, names
// unique whatever their case or surrounding spaces (409), a PATCH that would point a manager at
// nothing refused before anything changes, and ETags that If-Match takes back.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OPERATIONS, POLICIES, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { storesOf } from "../helpers/stores.ts";
import { type SmallLab, V1ALPHA1, VIRT, accepted, createSmallLab, list, registerLab } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let lab: SmallLab;
let managerId: string;

beforeAll(async () => {
  server = await startTestServer();
  lab = await createSmallLab(server, "writes", 1);
  managerId = (await registerLab(server, lab.address)).id;
});
afterAll(async () => {
  await server?.stop();
});

const JSON_TYPE = { "content-type": "application/json" };
const policies = async () => (await json<{ total: number; items: { id: string; name: string; generation: number }[] }>(await server.api(`${POLICIES}?limit=1000`), 200)).items;

describe("body-less actions with Content-Type: application/json", () => {
  test("refresh and power-on with no body are accepted as {}", async () => {
    expect((await accepted(server, `${VIRT}/hypervisor-managers/${managerId}/refresh`, { headers: JSON_TYPE })).state).toBe("SUCCEEDED");
    const vm = lab.vms[0]!; // the small lab's last VM starts powered off
    expect((await accepted(server, `${VIRT}/virtual-machines/${vm.id}/power-on`, { headers: JSON_TYPE })).state).toBe("SUCCEEDED");
    expect((await lab.lab.getVm(vm.id)).powerState).toBe("poweredOn");
  });

  test("a create with no body still names what is missing (400)", async () => {
    const err = await expectError(await server.api(POLICIES, { method: "POST", headers: JSON_TYPE }), 400);
    expect(err.message).toMatch(/name|required/);
  });
});

describe("names unique per workspace, trimmed and compared case-insensitively", () => {
  test("a name differing only by case or surrounding spaces is 409 and nothing is created; the stored name is trimmed", async () => {
    const base = `race-${randomUUID().slice(0, 8)}`;
    const first = await json<{ id: string; name: string }>(await server.api(POLICIES, { method: "POST", json: policyBody(`${base} `, { stores: await storesOf(server) }) }), 200);
    expect(first.name).toBe(base);
    const before = await policies();
    // Spaces only: a tab or a newline is a control character, which names refuse (400).
    for (const variant of [base, base.toUpperCase(), `  ${base.replace("race", "Race")}   `]) {
      const err = await expectError(await server.api(POLICIES, { method: "POST", json: policyBody(variant, { stores: await storesOf(server) }) }), 409);
      expect(err.errorCode).toBe("CONFLICT");
    }
    expect(await policies()).toEqual(before);
  });

  test("PATCH and PUT to another policy's name in another case are 409 and change nothing", async () => {
    const a = await json<{ id: string; name: string }>(await server.api(POLICIES, { method: "POST", json: policyBody(`Gold-${randomUUID()}`, { stores: await storesOf(server) }) }), 200);
    const b = await json<{ id: string; generation: number }>(await server.api(POLICIES, { method: "POST", json: policyBody(`silver-${randomUUID()}`, { stores: await storesOf(server) }) }), 200);
    await expectError(await server.api(`${POLICIES}/${b.id}`, { method: "PATCH", json: { name: ` ${a.name.toLowerCase()} ` } }), 409);
    await expectError(await server.api(`${POLICIES}/${b.id}`, { method: "PUT", json: policyBody(a.name.toUpperCase(), { stores: await storesOf(server) }) }), 409);
    expect((await json<{ generation: number }>(await server.api(`${POLICIES}/${b.id}`), 200)).generation).toBe(b.generation);
    // Its own name in another case is no clash.
    const renamed = await json<{ name: string }>(await server.api(`${POLICIES}/${a.id}`, { method: "PATCH", json: { name: ` ${a.name.toUpperCase()}` } }), 200);
    expect(renamed.name).toBe(a.name.toUpperCase());
  });

  test("a blank name is 400", async () => {
    await expectError(await server.api(POLICIES, { method: "POST", json: policyBody("   ") }), 400);
  });

  test("concurrent creates of case variants: exactly one wins, the others are 409", async () => {
    const base = `burst-${randomUUID().slice(0, 8)}`;
    const variants = [base, base.toUpperCase(), ` ${base}`, `${base} `, base.replace("burst", "Burst"), base.replace("burst", "bURST")];
    const statuses = await Promise.all(variants.map(async (name) => (await server.api(POLICIES, { method: "POST", json: policyBody(name, { stores: await storesOf(server) }) })).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(variants.length - 1);
  });
});

describe("PATCH of a manager's networkAddress", () => {
  test("to a lab that does not exist: 400, no operation, the manager unchanged and still OK", async () => {
    const path = `${VIRT}/hypervisor-managers/${managerId}`;
    const before = await json<{ networkAddress: string; state: string; generation: number }>(await server.api(path), 200);
    const ops = (await json<{ total: number }>(await server.api(OPERATIONS), 200)).total;
    const err = await expectError(await server.api(`${V1ALPHA1}/${managerId}`, { method: "PATCH", json: { networkAddress: "lab://nowhere-at-all" } }), 400);
    expect(err.message).toMatch(/lab:\/\/nowhere-at-all/);
    expect(err.message).not.toContain(server.dataDir);
    expect(await json(await server.api(path), 200)).toEqual(before);
    expect(before).toMatchObject({ networkAddress: lab.address, state: "OK" });
    expect((await json<{ total: number }>(await server.api(OPERATIONS), 200)).total).toBe(ops);
  });

  test("to a lab that exists: accepted, and the manager follows it", async () => {
    await createSmallLab(server, "writes-next", 2);
    const op = await accepted(server, `${V1ALPHA1}/${managerId}`, { method: "PATCH", json: { networkAddress: "lab://writes-next" } });
    expect(op.state).toBe("SUCCEEDED");
    const m = await json<{ networkAddress: string; state: string }>(await server.api(`${VIRT}/hypervisor-managers/${managerId}`), 200);
    expect(m).toMatchObject({ networkAddress: "lab://writes-next", state: "OK" });
    expect((await list(server, `${VIRT}/virtual-machines?filter=${encodeURIComponent(`hypervisorManagerInfo/id eq '${managerId}' and state eq 'OK'`)}`)).total).toBe(2);
  });
});

describe("ETag", () => {
  test("GET and writes send ETag: \"<generation>\"; If-Match takes it back, strong or weak; a stale one is 412", async () => {
    const created = await server.api(POLICIES, { method: "POST", json: policyBody(`etag-${randomUUID()}`, { stores: await storesOf(server) }) });
    const p = await json<{ id: string; generation: number }>(created, 200);
    expect(created.headers.get("etag")).toBe('"1"');
    const got = await server.api(`${POLICIES}/${p.id}`);
    expect(got.headers.get("etag")).toBe('"1"');
    const etag = got.headers.get("etag")!;
    const patched = await server.api(`${POLICIES}/${p.id}`, { method: "PATCH", json: { description: "one" }, headers: { "if-match": etag } });
    expect(patched.status).toBe(200);
    expect(patched.headers.get("etag")).toBe('"2"');
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "PATCH", json: { description: "two" }, headers: { "if-match": etag } }), 412);
    const weak = await server.api(`${POLICIES}/${p.id}`, { method: "PATCH", json: { description: "two" }, headers: { "if-match": 'W/"2"' } });
    expect(weak.status).toBe(200);
    expect((await server.api(`${POLICIES}/${p.id}?select=name`)).headers.get("etag")).toBe('"3"');
  });

  test("inventory resources carry their generation as ETag too", async () => {
    const res = await server.api(`${VIRT}/hypervisor-managers/${managerId}`);
    const m = await json<{ generation: number }>(res, 200);
    expect(res.headers.get("etag")).toBe(`"${m.generation}"`);
  });
});
