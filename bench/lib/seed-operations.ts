// Seeds a data dir with one API client and N async operations of realistic variety, written
// through the real repository (so documents, promoted columns and versions are what obr writes).
import { randomUUID } from "node:crypto";
import pino from "pino";
import { loadConfig } from "../../src/config/config.ts";
import { buildServices } from "../../src/container.ts";
import type { AsyncOperation } from "../../src/services/async-operations.ts";

const STATES = ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "RUNNING", "INITIALIZED", "CANCELLED"];
const DAY = 86_400_000;

export async function seedOperations(env: Record<string, string>, count: number, clientId: string, clientSecret: string) {
  const services = await buildServices(loadConfig(env), pino({ level: "warn" }));
  const client = await services.clients.create({ name: "bench", role: "admin", clientId, clientSecret });
  const repo = services.operations.repository;
  const start = Date.now() - 30 * DAY;
  const ids: string[] = [];
  const batch = 5000;
  for (let done = 0; done < count; done += batch) {
    await repo.transaction(async (trx) => {
      for (let i = done; i < Math.min(count, done + batch); i++) {
        const created = new Date(start + Math.floor((i / count) * 30 * DAY)).toISOString();
        const state = STATES[i % STATES.length] as AsyncOperation["state"];
        const id = randomUUID();
        ids.push(id);
        const op: AsyncOperation = {
          id,
          name: `Protect virtual machine vm-${i % 500}`,
          displayName: `Protect virtual machine vm-${i % 500}`,
          type: "task",
          generation: 3,
          createdAt: created,
          updatedAt: created,
          resourceUri: `/data-services/v1beta1/async-operations/${id}`,
          customerId: client.workspaceId,
          state,
          status: state,
          healthStatus: state === "FAILED" ? "ERROR" : "OK",
          progressPercent: state === "SUCCEEDED" ? 100 : 40,
          startedAt: created,
          endedAt: state === "SUCCEEDED" || state === "FAILED" ? created : null,
          logMessages: [{ message: "queued", timestamp: created }, { message: "running", timestamp: created }],
          associatedResources: [{ name: `vm-${i % 500}`, resourceUri: `/virtualization/v1beta1/virtual-machines/${randomUUID()}`, type: "virtualization/virtual-machine" }],
          sourceResourceUri: `/backup-recovery/v1beta1/protection-jobs/${randomUUID()}`,
          hasChildOperations: false,
          subtreeOperationCount: 0,
          suggestedPollingIntervalSeconds: 2,
          estimatedRunningDurationMinutes: 5,
          services: ["backup-and-recovery"],
          userId: client.id,
          groups: [],
          recommendations: [],
        };
        await repo.insert(op, { queue_state: "done", run_after: 0 }, trx);
      }
    });
  }
  await services.database.close();
  return { workspaceId: client.workspaceId, ids };
}
