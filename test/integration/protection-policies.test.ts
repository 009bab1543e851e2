// Protection policies over HTTP: create/get/list, validation (nothing changes on refusal),
// PATCH (merge-patch and plain JSON), If-Match, PUT, DELETE — every body checked against the contract.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POLICIES, type PolicyOptions, UUID_RE, expectContract, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { STORES, type StorePair, addTestSystem, createStore, storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

interface Schedule {
  scheduleId: number;
  sourceProtectionScheduleId?: number;
  name?: string;
  schedule: { recurrence: string; repeatInterval: { every: number; on?: number[] }; startTime?: string };
  expireAfter?: { unit: string; value: number };
  lockFor?: { unit: string; value: number };
}
interface Policy {
  id: string;
  name: string;
  description?: string;
  type: string;
  generation: number;
  createdAt: string;
  updatedAt: string;
  resourceUri: string;
  consoleUri: string;
  customerId: string;
  applicationType: string;
  assigned: boolean;
  createdBy: { id: string; name: string };
  protectionJobsInfo: unknown[];
  protections: { id: string; type: string; protectionStoreInfo?: { id: string; resourceUri: string; type: string }; schedules: Schedule[] }[];
}
interface PolicyList {
  items: Policy[];
  count: number;
  offset: number;
  total: number;
}

let server: TestServer;
let stores: StorePair;

beforeAll(async () => {
  server = await startTestServer();
  stores = await storesOf(server);
});

/** A valid policy body whose tiers name this workspace's real stores. */
const policy = (name: string, o: PolicyOptions = {}) => policyBody(name, { stores, ...o });
afterAll(async () => {
  await server?.stop();
});

const MERGE = { "content-type": "application/merge-patch+json" };

async function create(body: Record<string, unknown>): Promise<Policy> {
  const policy = await json<Policy>(await server.api(POLICIES, { method: "POST", json: body }), 200);
  expectContract("backup-recovery", "DataManagementTemplatesDetail", policy);
  return policy;
}
async function get(id: string): Promise<Policy> {
  const policy = await json<Policy>(await server.api(`${POLICIES}/${id}`), 200);
  expectContract("backup-recovery", "DataManagementTemplatesDetail", policy);
  return policy;
}
async function list(query = ""): Promise<PolicyList> {
  const body = await json<PolicyList>(await server.api(`${POLICIES}${query}`), 200);
  expectContract("backup-recovery", "DataManagementTemplatesList", body);
  return body;
}
const total = async () => (await list("?limit=1")).total;
const patch = (id: string, body: unknown, headers: Record<string, string> = MERGE) =>
  server.api(`${POLICIES}/${id}`, { method: "PATCH", headers, body: JSON.stringify(body) });

describe("create, get, list", () => {
  test("POST answers 200 with the full server-completed policy", async () => {
    const before = Date.now();
    const body = policy(`gold-${randomUUID()}`, { description: "finance VMs", cloud: true });
    const p = await create(body);
    expect(p.id).toMatch(UUID_RE);
    expect(p.name).toBe(body.name);
    expect(p.description).toBe("finance VMs");
    expect(p.applicationType).toBe("VMWARE");
    expect(p.type).toBe("backup-recovery/protection-policy");
    expect(p.generation).toBe(1);
    expect(p.assigned).toBe(false);
    expect(p.resourceUri).toBe(`${POLICIES}/${p.id}`);
    expect(p.consoleUri).toContain(p.id);
    expect(p.customerId).toBe(server.admin.workspaceId);
    expect(p.createdBy.id).toMatch(UUID_RE);
    expect(p.createdBy.id).toBe(
      (JSON.parse(Buffer.from(server.admin.token.split(".")[1]!, "base64url").toString()) as { sub: string }).sub,
    );
    expect(p.protectionJobsInfo).toEqual([]);
    expect(Date.parse(p.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(p.updatedAt).toBe(p.createdAt);
    const sent = body.protections as { type: string; protectionStoreId?: string; schedules: unknown[] }[];
    expect(p.protections.map((t) => t.type)).toEqual(["SNAPSHOT", "BACKUP", "CLOUD_BACKUP"]);
    expect(new Set(p.protections.map((t) => t.id)).size).toBe(3);
    p.protections.forEach((tier, i) => {
      expect(tier.id).toMatch(UUID_RE);
      expect(tier.schedules).toEqual(sent[i]!.schedules);
      if (sent[i]!.protectionStoreId) {
        expect(tier.protectionStoreInfo?.id).toBe(sent[i]!.protectionStoreId);
        expect(tier.protectionStoreInfo?.resourceUri).toBe(`${STORES}/${sent[i]!.protectionStoreId!}`);
      } else expect(tier).not.toHaveProperty("protectionStoreInfo");
    });
    expect(await get(p.id)).toEqual(p);
  });

  test("GET lists the created policies with count, offset and total", async () => {
    const a = await create(policy(`list-a-${randomUUID()}`));
    const b = await create(policy(`list-b-${randomUUID()}`, { backup: false, applicationType: "AWS" }));
    const all = await list("?limit=1000");
    expect(all.offset).toBe(0);
    expect(all.count).toBe(all.items.length);
    expect(all.total).toBe(all.items.length);
    expect(all.items.find((i) => i.id === a.id)).toEqual(a);
    expect(all.items.find((i) => i.id === b.id)).toEqual(b);
  });

  test("GET of an unknown or malformed id → 404", async () => {
    await expectError(await server.api(`${POLICIES}/${randomUUID()}`), 404);
    await expectError(await server.api(`${POLICIES}/not-a-uuid`), 404);
  });
});

describe("validation: 400 and nothing changes", () => {
  const base = () => policy(`v-${randomUUID()}`);
  const tiers = (b: Record<string, unknown>) => b.protections as Record<string, unknown>[];
  const schedules = (b: Record<string, unknown>, tier: number) => tiers(b)[tier]!.schedules as Record<string, unknown>[];
  const mutated = (fn: (b: Record<string, unknown>) => void) => {
    const b = base();
    fn(b);
    return b;
  };
  const existing = `taken-${randomUUID()}`;

  const cases: [string, () => Record<string, unknown>, RegExp?][] = [
    ["missing name", () => mutated((b) => delete b.name), /name/],
    ["empty name", () => mutated((b) => (b.name = "")), /name/],
    ["missing protections", () => mutated((b) => delete b.protections), /protections/],
    ["empty protections", () => mutated((b) => (b.protections = [])), /protections/],
    ["bad applicationType enum", () => mutated((b) => (b.applicationType = "VMWARE_ESX")), /applicationType/],
    ["bad protection type enum", () => mutated((b) => (tiers(b)[0]!.type = "TAPE")), /type/],
    ["bad recurrence enum", () => mutated((b) => ((schedules(b, 0)[0]!.schedule as { recurrence: string }).recurrence = "YEARLY")), /recurrence/],
    ["bad duration unit", () => mutated((b) => (schedules(b, 0)[0]!.expireAfter = { unit: "SECONDS", value: 1 })), /unit/],
    ["unknown top-level field", () => mutated((b) => (b.colour = "gold")), /colour/],
    ["unknown nested field", () => mutated((b) => (schedules(b, 0)[0]!.priority = 1)), /priority/],
    ["read-only id in create", () => mutated((b) => (b.id = randomUUID())), /\bid\b/],
    ["read-only generation in create", () => mutated((b) => (b.generation = 7)), /generation/],
    ["wrong JSON type (name as number)", () => mutated((b) => (b.name = 42)), /name/],
    ["startTime not HH:MM", () => mutated((b) => ((schedules(b, 1)[0]!.schedule as { startTime: string }).startTime = "25:00")), /startTime/],
    ["protectionStoreId not a uuid", () => mutated((b) => (tiers(b)[1]!.protectionStoreId = "store-1")), /protectionStoreId/],
    ["scheduleId used twice", () => mutated((b) => (schedules(b, 1)[0]!.scheduleId = 1)), /scheduleId/],
    ["sourceProtectionScheduleId naming no schedule", () => mutated((b) => (schedules(b, 1)[0]!.sourceProtectionScheduleId = 99)), /sourceProtectionScheduleId/],
    [
      "BACKUP fed from CLOUD_BACKUP",
      () => {
        const b = policy(`v-${randomUUID()}`, { cloud: true });
        schedules(b, 1)[0]!.sourceProtectionScheduleId = 3;
        return b;
      },
      /BACKUP/,
    ],
    ["BACKUP without protectionStoreId", () => mutated((b) => delete tiers(b)[1]!.protectionStoreId), /protectionStoreId/],
    ["SNAPSHOT with a protectionStoreId", () => mutated((b) => (tiers(b)[0]!.protectionStoreId = randomUUID())), /protectionStoreId/],
    ["startTime on an HOURLY schedule", () => mutated((b) => ((schedules(b, 0)[0]!.schedule as { startTime?: string }).startTime = "01:00")), /startTime/],
    ["repeatInterval.every out of range for HOURLY", () => mutated((b) => ((schedules(b, 0)[0]!.schedule as { repeatInterval: { every: number } }).repeatInterval.every = 25)), /every/],
    [
      "lockFor longer than expireAfter",
      () => mutated((b) => Object.assign(schedules(b, 1)[0]!, { expireAfter: { unit: "DAYS", value: 6 }, lockFor: { unit: "WEEKS", value: 1 } })),
      /lockFor/,
    ],
  ];

  test.each(cases)("%s → 400", async (_label, build, message) => {
    if (!(await list(`?filter=name eq '${existing}'`)).total) await create(policy(existing));
    const before = await list("?limit=1000");
    const r = await server.api(POLICIES, { method: "POST", json: build() });
    const err = await expectError(r, 400);
    if (message) expect(err.message).toMatch(message);
    const after = await list("?limit=1000");
    expect(after.total).toBe(before.total);
    expect(after.items.map((i) => [i.id, i.generation])).toEqual(before.items.map((i) => [i.id, i.generation]));
  });

  test("an equal lockFor and expireAfter in different units is accepted (7 DAYS = 1 WEEKS)", async () => {
    const b = base();
    Object.assign(schedules(b, 1)[0]!, { expireAfter: { unit: "WEEKS", value: 1 }, lockFor: { unit: "DAYS", value: 7 } });
    await create(b);
  });
});

describe("protection stores named by the tiers", () => {
  const tiers = (b: Record<string, unknown>) => b.protections as Record<string, unknown>[];
  const withStores = (backup: string, cloud: string) => policy(`stores-${randomUUID()}`, { cloud: true, stores: { onPremises: backup, cloud } });

  test("protectionStoreInfo carries the store's name and type", async () => {
    const p = await create(withStores(stores.onPremises, stores.cloud));
    expect(p.protections[1]!.protectionStoreInfo).toEqual({
      id: stores.onPremises,
      name: "local store",
      protectionStoreType: "ON_PREMISES",
      type: "backup-recovery/protection-store",
      resourceUri: `${STORES}/${stores.onPremises}`,
    });
    expect(p.protections[2]!.protectionStoreInfo).toMatchObject({ id: stores.cloud, name: "cloud store", protectionStoreType: "CLOUD" });
  });

  test("a store that does not exist, of another workspace or of the wrong type → 400 and nothing changes", async () => {
    const other = await server.client("admin");
    const foreignSystem = addTestSystem(server, other.workspaceId);
    const foreign = await createStore(server, { protectionStoreType: "ON_PREMISES", storageSystemId: foreignSystem.id }, other.token);
    const cases: [Record<string, unknown>, RegExp][] = [
      [withStores(randomUUID(), stores.cloud), /protections\[1\]\.protectionStoreId .* not a protection store/],
      [withStores(foreign.id, stores.cloud), /not a protection store of this workspace/],
      [withStores(stores.cloud, stores.cloud), /BACKUP protection needs a protection store of type ON_PREMISES/],
      [withStores(stores.onPremises, stores.onPremises), /CLOUD_BACKUP protection needs a protection store of type CLOUD/],
    ];
    const before = await list("?limit=1000");
    for (const [body, message] of cases) expect((await expectError(await server.api(POLICIES, { method: "POST", json: body }), 400)).message).toMatch(message);
    expect((await list("?limit=1000")).total).toBe(before.total);

    const p = await create(withStores(stores.onPremises, stores.cloud));
    const swapped = withStores(stores.onPremises, stores.cloud);
    tiers(swapped)[1]!.protectionStoreId = stores.cloud;
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "PUT", json: swapped }), 400);
    expect(await get(p.id)).toEqual(p);
  });
});

describe("PATCH", () => {
  test("merge-patch: name, description null removes it, schedules of one tier replaced; generation +1 each time", async () => {
    const p = await create(policy(`patch-${randomUUID()}`, { description: "to be removed" }));
    const newName = `patched-${randomUUID()}`;
    let r = await patch(p.id, { name: newName });
    const g2 = await json<Policy>(r, 200);
    expectContract("backup-recovery", "DataManagementTemplatesDetail", g2);
    expect(g2.name).toBe(newName);
    expect(g2.generation).toBe(2);
    expect(g2.description).toBe("to be removed");
    expect(Date.parse(g2.updatedAt)).toBeGreaterThan(Date.parse(p.updatedAt));
    expect(g2.createdAt).toBe(p.createdAt);

    r = await patch(p.id, { description: null });
    const g3 = await json<Policy>(r, 200);
    expect(g3).not.toHaveProperty("description");
    expect(g3.generation).toBe(3);
    expect(await get(p.id)).not.toHaveProperty("description");

    const backup = p.protections[1]!;
    const newSchedules: Schedule[] = [
      {
        scheduleId: 2,
        name: "weekly backups",
        schedule: { recurrence: "WEEKLY", repeatInterval: { every: 1, on: [6] }, startTime: "23:00" },
        expireAfter: { unit: "MONTHS", value: 3 },
      },
    ];
    r = await patch(p.id, { protections: [{ id: backup.id, schedules: newSchedules }] });
    const g4 = await json<Policy>(r, 200);
    expectContract("backup-recovery", "DataManagementTemplatesDetail", g4);
    expect(g4.generation).toBe(4);
    expect(g4.protections.map((t) => t.id)).toEqual(p.protections.map((t) => t.id));
    expect(g4.protections[0]).toEqual(p.protections[0]); // untouched tier
    const s = g4.protections[1]!.schedules;
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject(newSchedules[0]!);
    expect(s[0]).not.toHaveProperty("lockFor"); // replaced, not merged
    // The chain setting (not patchable) is kept from the schedule with the same id.
    expect(s[0]!.sourceProtectionScheduleId).toBe(1);
    expect(await get(p.id)).toEqual(g4);
  });

  test("application/json is accepted like merge-patch", async () => {
    const p = await create(policy(`json-${randomUUID()}`));
    const r = await patch(p.id, { name: `json-renamed-${randomUUID()}`, description: "added" }, { "content-type": "application/json" });
    const next = await json<Policy>(r, 200);
    expect(next.description).toBe("added");
    expect(next.generation).toBe(2);
    expect(next.protections).toEqual(p.protections);
  });

  const refused: [string, unknown][] = [
    ["id", { id: randomUUID() }],
    ["generation", { generation: 99 }],
    ["assigned", { assigned: true }],
    ["createdBy", { createdBy: { id: randomUUID(), name: "mallory" } }],
    ["customerId", { customerId: "other" }],
    ["resourceUri", { resourceUri: "/x" }],
    ["unknown field", { colour: "gold" }],
    ["read-only field next to a valid one", { name: "fine", generation: 1 }],
    ["applicationType (not patchable)", { applicationType: "AWS" }],
    ["empty patch", {}],
    ["name null", { name: null }],
    ["unknown field inside a protection", { protections: [{ id: randomUUID(), type: "BACKUP" }] }],
  ];
  test.each(refused)("PATCH with %s → 400 and the resource is unchanged", async (_label, body) => {
    const p = await create(policy(`ro-${randomUUID()}`));
    await expectError(await patch(p.id, body), 400);
    expect(await get(p.id)).toEqual(p);
  });

  test("PATCH that breaks a policy rule or names no tier → 400 and unchanged", async () => {
    const p = await create(policy(`rule-${randomUUID()}`));
    const hourlyWithStart = [{ scheduleId: 1, schedule: { recurrence: "HOURLY", repeatInterval: { every: 1 }, startTime: "01:00" } }];
    await expectError(await patch(p.id, { protections: [{ id: p.protections[0]!.id, schedules: hourlyWithStart }] }), 400);
    const dup = [{ scheduleId: 1, schedule: { recurrence: "DAILY", repeatInterval: { every: 1 } } }];
    await expectError(await patch(p.id, { protections: [{ id: p.protections[1]!.id, schedules: dup }] }), 400);
    const longLock = [
      { scheduleId: 2, schedule: { recurrence: "DAILY", repeatInterval: { every: 1 } }, expireAfter: { unit: "DAYS", value: 1 }, lockFor: { unit: "DAYS", value: 2 } },
    ];
    await expectError(await patch(p.id, { protections: [{ id: p.protections[1]!.id, schedules: longLock }] }), 400);
    await expectError(await patch(p.id, { protections: [{ id: randomUUID(), schedules: dup }] }), 400);
    // Renumbering the snapshot schedule would orphan the backup fed from schedule 1.
    const renumbered = [{ scheduleId: 9, schedule: { recurrence: "HOURLY", repeatInterval: { every: 2 } } }];
    const orphan = await expectError(await patch(p.id, { protections: [{ id: p.protections[0]!.id, schedules: renumbered }] }), 400);
    expect(orphan.message).toMatch(/sourceProtectionScheduleId/);
    expect(await get(p.id)).toEqual(p);
  });

  test("PATCH renaming to another policy's name → 409 and unchanged", async () => {
    const a = await create(policy(`dupA-${randomUUID()}`));
    const b = await create(policy(`dupB-${randomUUID()}`));
    await expectError(await patch(b.id, { name: a.name }), 409);
    expect(await get(b.id)).toEqual(b);
    // Keeping its own name is no clash.
    expect((await json<Policy>(await patch(b.id, { name: b.name }), 200)).generation).toBe(2);
  });

  test("PATCH with invalid JSON → 400 and unchanged", async () => {
    const p = await create(policy(`badjson-${randomUUID()}`));
    for (const headers of [MERGE, { "content-type": "application/json" }]) {
      const r = await server.api(`${POLICIES}/${p.id}`, { method: "PATCH", headers, body: '{"name": ' });
      await expectError(r, 400);
    }
    expect(await get(p.id)).toEqual(p);
  });

  test("If-Match with a stale generation → 412 and unchanged; with the current one → 200", async () => {
    const p = await create(policy(`ifm-${randomUUID()}`));
    const g2 = await json<Policy>(await patch(p.id, { description: "v2" }), 200);
    for (const stale of ['"1"', "1", 'W/"1"', '"3"']) {
      const r = await patch(p.id, { description: "lost update" }, { ...MERGE, "if-match": stale });
      expect((await expectError(r, 412)).errorCode).toBe("PRECONDITION_FAILED");
    }
    expect(await get(p.id)).toEqual(g2);
    const ok = await json<Policy>(await patch(p.id, { description: "v3" }, { ...MERGE, "if-match": '"2"' }), 200);
    expect(ok.generation).toBe(3);
    expect(ok.description).toBe("v3");
    const weak = await json<Policy>(await patch(p.id, { description: "v4" }, { ...MERGE, "if-match": 'W/"3"' }), 200);
    expect(weak.generation).toBe(4);
    await expectError(await patch(p.id, { description: "x" }, { ...MERGE, "if-match": '"abc"' }), 400);
    expect((await get(p.id)).generation).toBe(4);
  });
});

describe("PUT", () => {
  test("replaces the policy: 200, new protections, same id/createdAt/createdBy, generation +1", async () => {
    const p = await create(policy(`put-${randomUUID()}`, { description: "old" }));
    const replacement = policy(`put-new-${randomUUID()}`, { backup: false, applicationType: "MSSQL" });
    const r = await server.api(`${POLICIES}/${p.id}`, { method: "PUT", json: replacement });
    const next = await json<Policy>(r, 200);
    expectContract("backup-recovery", "DataManagementTemplatesDetail", next);
    expect(next.id).toBe(p.id);
    expect(next.name).toBe(replacement.name);
    expect(next).not.toHaveProperty("description");
    expect(next.applicationType).toBe("MSSQL");
    expect(next.generation).toBe(2);
    expect(next.createdAt).toBe(p.createdAt);
    expect(next.createdBy).toEqual(p.createdBy);
    expect(next.protections.map((t) => t.type)).toEqual(["SNAPSHOT"]);
    expect(next.protections[0]!.id).toMatch(UUID_RE);
    expect(p.protections.map((t) => t.id)).not.toContain(next.protections[0]!.id);
    expect(await get(p.id)).toEqual(next);
  });

  test("PUT keeping its own name is no clash; PUT taking another policy's name → 409", async () => {
    const a = await create(policy(`put-own-${randomUUID()}`));
    const b = await create(policy(`put-other-${randomUUID()}`));
    const same = await json<Policy>(await server.api(`${POLICIES}/${a.id}`, { method: "PUT", json: policy(a.name, { cloud: true }) }), 200);
    expect(same.protections).toHaveLength(3);
    await expectError(await server.api(`${POLICIES}/${a.id}`, { method: "PUT", json: policy(b.name) }), 409);
    expect(await get(a.id)).toEqual(same);
  });

  test("PUT with an invalid body, a stale If-Match or an unknown id is refused and changes nothing", async () => {
    const p = await create(policy(`put-bad-${randomUUID()}`));
    const bad = policy(p.name);
    delete (bad.protections as Record<string, unknown>[])[1]!.protectionStoreId;
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "PUT", json: bad }), 400);
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "PUT", json: { ...policy(p.name), generation: 5 } }), 400);
    const stale = await server.api(`${POLICIES}/${p.id}`, { method: "PUT", json: policy(p.name), headers: { "if-match": '"7"' } });
    await expectError(stale, 412);
    expect(await get(p.id)).toEqual(p);
    await expectError(await server.api(`${POLICIES}/${randomUUID()}`, { method: "PUT", json: policy(`x-${randomUUID()}`) }), 404);
  });
});

describe("DELETE", () => {
  test("204, then GET/PATCH/PUT/DELETE → 404 and the list no longer has it", async () => {
    const p = await create(policy(`del-${randomUUID()}`));
    const before = await total();
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "DELETE", headers: { "if-match": '"9"' } }), 412);
    expect(await total()).toBe(before);
    const r = await server.api(`${POLICIES}/${p.id}`, { method: "DELETE" });
    expect(r.status).toBe(204);
    expect(await r.text()).toBe("");
    expect(await total()).toBe(before - 1);
    await expectError(await server.api(`${POLICIES}/${p.id}`), 404);
    await expectError(await patch(p.id, { name: "ghost" }), 404);
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "PUT", json: policy(`ghost-${randomUUID()}`) }), 404);
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "DELETE" }), 404);
    // The name is free again.
    await create(policy(p.name));
  });

  test("DELETE with the current generation in If-Match → 204", async () => {
    const p = await create(policy(`del-ifm-${randomUUID()}`));
    expect((await server.api(`${POLICIES}/${p.id}`, { method: "DELETE", headers: { "if-match": '"1"' } })).status).toBe(204);
  });
});

describe("assigned policies", () => {
  /** Marks the policy assigned in the store, as a job does (protection-jobs.test.ts assigns through real jobs). */
  async function assign(id: string): Promise<Policy> {
    const repo = server.services.repositories.get("protection-policies")!;
    await repo.update<Policy & { [k: string]: unknown }>(server.admin.workspaceId, id, undefined, (p) => ({ ...p, assigned: true }));
    return get(id);
  }

  test("PUT (400) and DELETE (409) of an assigned policy leave it unchanged; PATCH still works", async () => {
    const p = await assign((await create(policy(`assigned-${randomUUID()}`))).id);
    expect(p.assigned).toBe(true);
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "PUT", json: policy(`assigned-new-${randomUUID()}`) }), 400);
    await expectError(await server.api(`${POLICIES}/${p.id}`, { method: "DELETE" }), 409);
    expect(await get(p.id)).toEqual(p);
    const patched = await json<Policy>(await patch(p.id, { description: "still editable" }), 200);
    expect(patched.assigned).toBe(true);
    expect(patched.generation).toBe(p.generation + 1);
  });
});

describe("hostile bodies", () => {
  test("__proto__ / constructor keys are refused (JSON and merge-patch) and pollute nothing", async () => {
    const before = await total();
    const raw = `{"__proto__":{"polluted":true},${JSON.stringify(policy(`proto-${randomUUID()}`)).slice(1)}`;
    await expectError(await server.api(POLICIES, { method: "POST", headers: { "content-type": "application/json" }, body: raw }), 400);
    const p = await create(policy(`proto-target-${randomUUID()}`));
    for (const headers of [MERGE, { "content-type": "application/json" }]) {
      const r = await server.api(`${POLICIES}/${p.id}`, { method: "PATCH", headers, body: '{"__proto__":{"polluted":true},"description":"x"}' });
      await expectError(r, 400);
      const c = await server.api(`${POLICIES}/${p.id}`, { method: "PATCH", headers, body: '{"constructor":{"prototype":{"polluted":true}}}' });
      await expectError(c, 400);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await get(p.id)).toEqual(p);
    expect(await total()).toBe(before + 1);
  });
});

describe("concurrent writes", () => {
  test("concurrent PATCHes without If-Match all apply: no lost update, no spurious 412", async () => {
    const p = await create(policy(`race-${randomUUID()}`));
    const n = 8;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => server.api(`${POLICIES}/${p.id}`, { method: "PATCH", json: { description: `writer ${i}` } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses).toEqual(Array(n).fill(200));
    const generations = (await Promise.all(results.map((r) => r.json() as Promise<Policy>))).map((b) => b.generation).sort((a, b) => a - b);
    expect(generations).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    expect((await get(p.id)).generation).toBe(n + 1);
  });

  test("concurrent PATCHes with the same If-Match: exactly one wins, the others get 412", async () => {
    const p = await create(policy(`race-ifm-${randomUUID()}`));
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => patch(p.id, { description: `writer ${i}` }, { ...MERGE, "if-match": '"1"' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412]);
    expect((await get(p.id)).generation).toBe(2);
  });

  test("concurrent creates with one name: exactly one policy gets it", async () => {
    const name = `race-name-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 6 }, () => server.api(POLICIES, { method: "POST", json: policy(name) })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    expect((await list(`?filter=${encodeURIComponent(`name eq '${name}'`)}`)).total).toBe(1);
  });
});
