// The queue as a separate `obr orchestrator` process sees it over HTTP: claim, renew, progress,
// complete. Each call does what the embedded worker does with the same JobQueue and JobWrites
// functions, fenced by the lease: the owner is `orchestrator:<id>:<instance>`, so a process only
// ever touches jobs it claimed, and one that lost its lease (expired, recovered) changes nothing.
// A job type with remote parts (job-handler.ts) is planned here when claimed and its reported
// result recorded in the completion's transaction; a FAILED completion runs the job type's undo
// in that transaction, exactly as an embedded failure does.
import { type AsyncOperation, type ResourceRef, logLine, markFailed, markRunning, markSucceeded } from "../services/async-operations.ts";
import type { OrchestratorIdentity } from "../services/infrastructure/orchestrator-pairing.ts";
import type { SupportBundles } from "../services/infrastructure/support-bundles.ts";
import { redactPrivatePaths } from "../domain/private-paths.ts";
import { describeFailure } from "./job-failure.ts";
import type { JobHandler } from "./job-handler.ts";
import type { ClaimedJob as QueuedJob, JobQueue } from "./job-queue.ts";
import type { Fence, JobRef, JobWrites } from "./job-writes.ts";

export interface RemoteJob {
  id: string;
  jobType: string;
  payload: unknown;
  /** What the control plane planned for it (job types with remote parts). */
  plan?: unknown;
  attempt: number;
  leaseMs: number;
}

export interface Completion {
  outcome: "SUCCEEDED" | "FAILED";
  message?: string | undefined;
  associatedResources?: ResourceRef[] | undefined;
  /** The job type's result (remote parts), checked against its schema before it is recorded. */
  result?: unknown;
}

/** The job types as the worker knows them: their handlers and their undo on failure. */
export interface JobTypes {
  handler(jobType: string): JobHandler | undefined;
  failureUndo(job: JobRef & { jobType: string; payload: unknown }, reason: string): (uow: Parameters<NonNullable<JobHandler["onFailure"]>>[0]["uow"]) => Promise<void>;
}

const RELEASED = { lease_owner: null, lease_until: null } as const;
const DONE = { queue_state: "done", ...RELEASED } as const;

export class RemoteJobBroker {
  readonly #queue: JobQueue;
  readonly #writes: JobWrites;
  readonly #bundles: SupportBundles;
  readonly #leaseMs: number;
  readonly #types: JobTypes;

  constructor(queue: JobQueue, writes: JobWrites, bundles: SupportBundles, leaseMs: number, types: JobTypes) {
    this.#queue = queue;
    this.#writes = writes;
    this.#bundles = bundles;
    this.#leaseMs = leaseMs;
    this.#types = types;
  }

  #owner(who: OrchestratorIdentity, instance: string): string {
    return `orchestrator:${who.orchestratorId}:${instance}`;
  }

  #fence(who: OrchestratorIdentity, instance: string): Fence {
    return { owner: this.#owner(who, instance) };
  }

  /** The next job targeted at this orchestrator, now RUNNING and saying where it runs. */
  async claim(who: OrchestratorIdentity, instance: string): Promise<RemoteJob | undefined> {
    const fence = this.#fence(who, instance);
    for (;;) {
      const job = await this.#queue.claimTargeted(this.#owner(who, instance), this.#leaseMs, who.orchestratorId);
      if (!job) return undefined;
      if (await this.#writes.cancelIfAfterFailed(job, fence)) continue;
      const started = await this.#writes.write(job, fence, (op) => {
        markRunning(op);
        logLine(op, `running on data orchestrator ${who.orchestratorId} (attempt ${job.attempts})`);
      });
      // Lost between claim and start (the lease was very short): look for the next one.
      if (!started) continue;
      const remote = this.#types.handler(job.jobType)?.remote;
      const claimed: RemoteJob = { id: job.id, jobType: job.jobType, payload: job.payload, attempt: job.attempts, leaseMs: this.#leaseMs };
      if (!remote) return claimed;
      try {
        return { ...claimed, plan: await remote.plan({ customerId: job.customerId, operation: started, payload: job.payload, orchestratorId: who.orchestratorId }) };
      } catch (err) {
        // Nothing to run (the VM or a store is gone): it ends here, as it would have embedded.
        await this.#fail(job, fence, describeFailure(err));
      }
    }
  }

  /** Extends the lease; false when this process no longer holds the job. */
  renew(who: OrchestratorIdentity, instance: string, jobId: string): Promise<boolean> {
    return this.#queue.renew(jobId, this.#owner(who, instance), this.#leaseMs);
  }

  async progress(who: OrchestratorIdentity, instance: string, jobId: string, percent: number, message?: string): Promise<boolean> {
    const fence = this.#fence(who, instance);
    if (message === undefined) return this.#writes.progress(jobId, fence, percent);
    const op = await this.#writes.write({ id: jobId, customerId: who.customerId }, fence, (o) => {
      o.progressPercent = Math.max(o.progressPercent, Math.min(99, Math.floor(percent)));
      logLine(o, message);
    });
    return op !== undefined;
  }

  /**
   * Ends the job in one fenced transaction: SUCCEEDED with its recorded result, or FAILED with
   * its type's undo. Undefined when this process no longer holds it.
   */
  async complete(who: OrchestratorIdentity, instance: string, jobId: string, done: Completion): Promise<AsyncOperation | undefined> {
    const fence = this.#fence(who, instance);
    const job = await this.#queue.held(jobId, this.#owner(who, instance));
    if (!job || job.customerId !== who.customerId) return undefined;
    if (done.outcome === "FAILED") {
      // The process's message may name this machine's paths (the lab, the stores), as a local error would.
      const message = redactPrivatePaths(done.message ?? "the data orchestrator reported a failure");
      return this.#fail(job, fence, { message, code: "ORCHESTRATOR_JOB_FAILED" });
    }
    const remote = this.#types.handler(job.jobType)?.remote;
    if (!remote) return (await this.#writes.end(job, fence, (op) => markSucceeded(op, done.associatedResources ?? []), DONE))?.op;
    const problem = remote.checkResult(done.result);
    if (problem) return this.#fail(job, fence, { message: `the data orchestrator's result cannot be recorded: ${problem}`, code: "ORCHESTRATOR_JOB_FAILED" });
    const operation = await this.#writes.write(job, fence, () => {});
    if (!operation) return undefined;
    const start = { customerId: job.customerId, operation, payload: job.payload, orchestratorId: who.orchestratorId };
    let resources: ResourceRef[] = [];
    try {
      await remote.refresh?.({ ...start, result: done.result }).catch(() => undefined);
      const ended = await this.#writes.end(job, fence, (op) => markSucceeded(op, resources), DONE, undefined, async (uow) => {
        resources = await remote.record({ ...start, result: done.result, uow });
      });
      return ended?.op;
    } catch (err) {
      // The result could not be recorded (its VM or store went meanwhile): nothing of it is listed.
      return this.#fail(job, fence, describeFailure(err));
    }
  }

  /** Ends the job FAILED with its type's undo in the same transaction. */
  async #fail(job: QueuedJob, fence: Fence, failure: { message: string; code: string }): Promise<AsyncOperation | undefined> {
    const undo = this.#types.failureUndo(job, failure.message);
    return (await this.#writes.end(job, fence, (op) => markFailed(op, failure.message, failure.code), DONE, undo))?.op;
  }

  /** Stores the support bundle a job produced, while the process still holds that job. */
  async saveBundle(who: OrchestratorIdentity, instance: string, jobId: string, archive: Buffer): Promise<ResourceRef | undefined> {
    if (!(await this.renew(who, instance, jobId))) return undefined;
    return this.#bundles.save(who.customerId, jobId, archive);
  }
}
