// Protection jobs for the integration suites: creation over HTTP, reading the queued run
// operations' queue columns (job type, payload, keys, target), and a protection.run job type for
// tests that need runs to end (it copies nothing: it succeeds at once, or waits until released,
// and tells the job's history it ended), registered on the test server's worker only.
import { sql } from "kysely";
import { expect } from "vitest";
import { defineJob } from "../../src/jobs/job-handler.ts";
import { recordRunEnd } from "../../src/services/protection/protection-job-changes.ts";
import { JOB_PROTECTION_RUN, ProtectionRunPayload } from "../../src/services/protection/run-request.ts";
import { expectContract, json } from "./greenlake.ts";
import { type Operation, accepted } from "./inventory.ts";
import type { TestServer } from "./test-server.ts";

export const JOBS = "/backup-recovery/v1beta1/protection-jobs";

export interface JobSchedule {
  scheduleId: number;
  operational: string;
  nextRunTime?: string;
  prevRunTime?: string;
  prevSuccessfulRunTime?: string;
  executionStatuses: { status: string; timestamp: string; taskUri?: string; errorMessage?: string }[];
  overrides: Record<string, unknown>;
  sourceProtectionScheduleId?: number;
}
export interface Job {
  id: string;
  name: string;
  generation: number;
  resourceUri: string;
  operational: string;
  dataOrchestratorId?: string;
  assetInfo: { id: string; type: string; name: string };
  protectionPolicyInfo: { id: string; name: string };
  protections: { id: string; type: string; schedules: JobSchedule[] }[];
}

export interface QueuedRun {
  id: string;
  jobType: string;
  payload: ProtectionRunPayload;
  jobKey: string | null;
  concurrencyKey: string | null;
  target: string | null;
  queueState: string;
}

export async function getJob(server: TestServer, id: string, token?: string): Promise<Job> {
  const job = await json<Job>(await server.api(`${JOBS}/${id}`, token ? { token } : {}), 200);
  expectContract("backup-recovery", "DataManagementJobsDetail", job);
  return job;
}

/** POSTs a job and waits for its operation; returns the operation and the job's id. */
export async function createJob(server: TestServer, body: Record<string, unknown>, token?: string): Promise<{ id: string; op: Operation }> {
  const op = await accepted(server, JOBS, { json: body, ...(token ? { token } : {}) });
  expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  const ref = op.associatedResources.find((r) => r.type === "backup-recovery/protection-job");
  expect(ref).toBeDefined();
  return { id: ref!.resourceUri.split("/").at(-1)!, op };
}

/** The run operations queued for a protection job, oldest first, with their queue columns. */
export async function queuedRuns(server: TestServer, jobId: string): Promise<QueuedRun[]> {
  const rows = await sql<{ id: string; job_type: string; job_payload: string; job_key: string | null; concurrency_key: string | null; target: string | null; queue_state: string }>`
    select id, job_type, job_payload, job_key, concurrency_key, target, queue_state from async_operations
    where job_type = ${JOB_PROTECTION_RUN} order by created_at, id`.execute(server.services.database.db);
  return rows.rows
    .map((r) => ({ id: r.id, jobType: r.job_type, payload: JSON.parse(r.job_payload) as ProtectionRunPayload, jobKey: r.job_key, concurrencyKey: r.concurrency_key, target: r.target, queueState: r.queue_state }))
    .filter((r) => r.payload.protectionJobId === jobId);
}

/**
 * Registers a protection.run job type on the server's worker that ends each run at once
 * (SUCCEEDED), or, with `hold`, keeps it running until `release()`: for tests of what follows
 * a run's end (the scheduler's next slot) or of a run that has not ended (skipped slots).
 */
export function runsEndOnServer(server: TestServer, o: { hold?: boolean } = {}): { release(): void } {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  server.services.worker.register(
    defineJob({
      type: JOB_PROTECTION_RUN,
      payload: ProtectionRunPayload,
      resumable: true,
      // As the real run does, it tells the job how it ended, with its completion.
      run: async ({ customerId, payload, operation }) => {
        if (o.hold) await held;
        return { commit: (uow) => recordRunEnd(server.services.protection, customerId, payload.protectionJobId, operation.id, true, undefined, uow) };
      },
    }),
  );
  return { release: () => release() };
}
