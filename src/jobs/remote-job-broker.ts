// The queue as a separate `obr orchestrator` process sees it over HTTP: claim, renew, progress,
// complete. Each call does what the embedded worker does with the same JobQueue and JobWrites
// functions, fenced by the lease: the owner is `orchestrator:<id>:<instance>`, so a process only
// ever touches jobs it claimed, and one that lost its lease (expired, recovered) changes nothing.
import { type AsyncOperation, type ResourceRef, logLine, markFailed, markRunning, markSucceeded } from "../services/async-operations.ts";
import type { OrchestratorIdentity } from "../services/infrastructure/orchestrator-pairing.ts";
import type { SupportBundles } from "../services/infrastructure/support-bundles.ts";
import type { JobQueue } from "./job-queue.ts";
import type { Fence, JobWrites } from "./job-writes.ts";

export interface RemoteJob {
  id: string;
  jobType: string;
  payload: unknown;
  attempt: number;
  leaseMs: number;
}

export interface Completion {
  outcome: "SUCCEEDED" | "FAILED";
  message?: string | undefined;
  associatedResources?: ResourceRef[] | undefined;
}

const RELEASED = { lease_owner: null, lease_until: null } as const;

export class RemoteJobBroker {
  readonly #queue: JobQueue;
  readonly #writes: JobWrites;
  readonly #bundles: SupportBundles;
  readonly #leaseMs: number;

  constructor(queue: JobQueue, writes: JobWrites, bundles: SupportBundles, leaseMs: number) {
    this.#queue = queue;
    this.#writes = writes;
    this.#bundles = bundles;
    this.#leaseMs = leaseMs;
  }

  #owner(who: OrchestratorIdentity, instance: string): string {
    return `orchestrator:${who.orchestratorId}:${instance}`;
  }

  #fence(who: OrchestratorIdentity, instance: string): Fence {
    return { owner: this.#owner(who, instance) };
  }

  /** The next job targeted at this orchestrator, now RUNNING and saying where it runs. */
  async claim(who: OrchestratorIdentity, instance: string): Promise<RemoteJob | undefined> {
    for (;;) {
      const job = await this.#queue.claimTargeted(this.#owner(who, instance), this.#leaseMs, who.orchestratorId);
      if (!job) return undefined;
      if (await this.#writes.cancelIfAfterFailed(job, this.#fence(who, instance))) continue;
      const started = await this.#writes.write(job, this.#fence(who, instance), (op) => {
        markRunning(op);
        logLine(op, `running on data orchestrator ${who.orchestratorId} (attempt ${job.attempts})`);
      });
      // Lost between claim and start (the lease was very short): look for the next one.
      if (started) return { id: job.id, jobType: job.jobType, payload: job.payload, attempt: job.attempts, leaseMs: this.#leaseMs };
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

  /** Ends the job in one fenced statement; undefined when this process no longer holds it. */
  async complete(who: OrchestratorIdentity, instance: string, jobId: string, done: Completion): Promise<AsyncOperation | undefined> {
    const mark = (op: AsyncOperation) => {
      if (done.outcome === "SUCCEEDED") markSucceeded(op, done.associatedResources ?? []);
      else markFailed(op, done.message ?? "the data orchestrator reported a failure", "ORCHESTRATOR_JOB_FAILED");
    };
    const ended = await this.#writes.end({ id: jobId, customerId: who.customerId }, this.#fence(who, instance), mark, { queue_state: "done", ...RELEASED });
    return ended?.op;
  }

  /** Stores the support bundle a job produced, while the process still holds that job. */
  async saveBundle(who: OrchestratorIdentity, instance: string, jobId: string, archive: Buffer): Promise<ResourceRef | undefined> {
    if (!(await this.renew(who, instance, jobId))) return undefined;
    return this.#bundles.save(who.customerId, jobId, archive);
  }
}
