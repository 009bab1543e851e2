// The control plane takes time from the one clock the composition root is given: documents are
// stamped, jobs fall due and orchestrators go stale on that clock, not on the machine's.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/config.ts";
import { type Services, buildServices } from "../container.ts";
import type { Actor } from "../domain/actor.ts";
import type { Clock } from "../domain/clock.ts";

const T0 = Date.parse("2031-03-04T05:06:07.089Z");
let at = T0;
const clock: Clock = { now: () => at };

let dataDir: string;
let services: Services;
let actor: Actor;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "obr-clock-"));
  const config = loadConfig({ OBR_DATA_DIR: dataDir, OBR_DATABASE_URL: `sqlite:${join(dataDir, "obr.sqlite")}`, OBR_DEMO: "0" });
  services = await buildServices(config, pino({ level: "silent" }), clock);
  const client = await services.clients.create({ name: "clock test", role: "admin" });
  actor = { workspaceId: client.workspaceId, apiClientId: client.id, clientId: client.clientId, role: client.role };
});

afterAll(async () => {
  await services?.database.close();
  await rm(dataDir, { recursive: true, force: true });
});

const snapshotPolicy = {
  name: "clocked",
  applicationType: "VMWARE" as const,
  protections: [
    {
      type: "SNAPSHOT" as const,
      schedules: [{ scheduleId: 1, name: "hourly", schedule: { recurrence: "HOURLY" as const, repeatInterval: { every: 4 } }, expireAfter: { unit: "DAYS" as const, value: 2 } }],
    },
  ],
};

describe("the injected clock", () => {
  it("stamps a policy's createdAt and updatedAt", async () => {
    at = T0;
    const { resource: created } = await services.useCases.protectionPolicies.create(actor, snapshotPolicy);
    expect(created).toMatchObject({ createdAt: "2031-03-04T05:06:07.089Z", updatedAt: "2031-03-04T05:06:07.089Z" });
    const id = "id" in created && typeof created.id === "string" ? created.id : "";
    at = T0 + 60_000;
    const { resource: updated } = await services.useCases.protectionPolicies.update(actor, id, { description: "later" });
    expect(updated).toMatchObject({ createdAt: "2031-03-04T05:06:07.089Z", updatedAt: "2031-03-04T05:07:07.089Z" });
  });

  it("makes a queued job due at the clock's now, and claimable only once the clock reaches it", async () => {
    at = T0 + 3_600_000;
    const op = await services.operations.create({ customerId: actor.workspaceId, userId: actor.apiClientId, name: "clocked job", jobType: "clock-test" });
    expect(op.createdAt).toBe("2031-03-04T06:06:07.089Z");
    const row = await services.database.db.selectFrom("async_operations").select("run_after").where("id", "=", op.id).executeTakeFirstOrThrow();
    expect(Number(row.run_after)).toBe(at);
    at = T0;
    expect(await services.queue.claim("clock-owner", 1000)).toBeUndefined();
    at = T0 + 3_600_000;
    expect((await services.queue.claim("clock-owner", 1000))?.id).toBe(op.id);
  });

  it("marks an orchestrator stale when the clock passes its last heartbeat by the threshold", async () => {
    at = T0;
    const orchestrator = await services.inventory.dataOrchestrators.ensureEmbedded(actor.workspaceId);
    expect(await services.heartbeats.markStale()).toBe(0);
    at = T0 + 3 * services.config.orchestratorHeartbeatSeconds * 1000 + 1;
    expect(await services.heartbeats.markStale()).toBe(1);
    const doc = await services.repositories.get("data-orchestrators")?.get(actor.workspaceId, orchestrator.id);
    expect(doc?.connectionState).toBe("DISCONNECTED");
  });

  it("gives a data orchestrator's TOTP for the clock's time step", async () => {
    const { id } = await services.inventory.dataOrchestrators.ensureEmbedded(actor.workspaceId);
    const codeAt = async (ms: number) => {
      at = ms;
      const { resource } = await services.useCases.dataOrchestrators.generateTotp(actor, id);
      return resource;
    };
    const first = await codeAt(T0);
    expect(await codeAt(T0 + 30_000)).not.toEqual(first);
    expect(await codeAt(T0)).toEqual(first);
  });
});
