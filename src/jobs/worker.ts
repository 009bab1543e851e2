// Claims queued jobs and runs them outside any request. Every write about a job is fenced by its
// lease (job-writes.ts): a worker that stalled past its lease and lost the job changes nothing.
// After a crash no operation stays RUNNING: an expired lease is resumed (resumable job types,
// attempts left, within the time limit) or ends FAILED (TIMEDOUT past the limit) with the reason,
// by a compare-and-set that one recoverer wins. A job type's undo of its busy states commits in
// the transaction that ends the job, so a crash keeps both or neither.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { redactPrivatePaths } from "../domain/private-paths.ts";
import { describeFailure, isRetryableDatabaseError } from "./job-failure.ts";
import {
  type AsyncOperation,
  type AsyncOperationService,
  type ResourceRef,
  type UnitOfWork,
  addResources,
  logLine, markFailed, markRunning, markSucceeded, markTimedOut } from "../services/async-operations.ts";
import { type JobContext, type JobHandler, JobLeaseLostError, type JobOutcome, type JobResult, TransientJobError } from "./job-handler.ts";
import type { ClaimedJob, JobQueue } from "./job-queue.ts";
import { type Fence, type JobRef, type JobWrites, inSavepoint } from "./job-writes.ts";

export interface WorkerOptions {
  concurrency: number;
  /** A job whose lease is not renewed within this time is considered orphaned. */
  leaseMs?: number;
  pollMs?: number;
  /** Attempts of a job type that declares none: retries and resumes end FAILED after this many. */
  maxAttempts?: number;
  /** First retry delay after a TransientJobError; doubles per attempt, at most MAX_RETRY_DELAY_MS. */
  retryBaseMs?: number;
  /** Data orchestrators whose targeted jobs this worker claims (untargeted jobs: always). */
  targets?: readonly string[];
  /** Finished operations last changed longer ago than this are deleted (with their trees). */
  retentionMs?: number;
  sweepIntervalMs?: number;
}

/** Progress-only writes (in place, no new generation) at most this often. */
const PROGRESS_WRITE_INTERVAL_MS = 500;
/** A progress write also makes a new generation (seen by cached list pages) at most this often. */
const PROGRESS_PUBLISH_INTERVAL_MS = 2000;
const MAX_RETRY_DELAY_MS = 5 * 60_000;
const WAITING_REFRESH_MS = 1000;
const RELEASED = { lease_owner: null, lease_until: null } as const;

const outcomeOf = (result: JobResult): JobOutcome => (Array.isArray(result) ? { associatedResources: result } : (result ?? {}));

export class Worker {
  readonly id = `worker-${randomUUID()}`;
  readonly #queue: JobQueue;
  readonly #writes: JobWrites;
  readonly #operations: AsyncOperationService;
  readonly #handlers = new Map<string, JobHandler>();
  readonly #log: Logger;
  readonly #opts: Required<WorkerOptions>;
  readonly #running = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #lastWaitingRefresh = 0;
  #lastSweep = 0;

  constructor(queue: JobQueue, writes: JobWrites, operations: AsyncOperationService, log: Logger, opts: WorkerOptions) {
    this.#queue = queue;
    this.#writes = writes;
    this.#operations = operations;
    this.#log = log;
    writes.undoParentsWith((p, uow) => this.#undo(p.jobType ? this.#handlers.get(p.jobType)?.onFailure : undefined, p, p.payload, p.reason)(uow));
    writes.recordParentsWith(async (p) => {
      const hook = p.jobType ? this.#handlers.get(p.jobType)?.onChildrenEnded : undefined;
      await hook?.({ customerId: p.customerId, operationId: p.id, payload: p.payload, succeeded: p.succeeded, reason: p.reason }).catch((err: unknown) => {
        this.#log.error({ err, operationId: p.id }, "recording how the parent's children ended it failed");
      });
    });
    this.#opts = {
      leaseMs: 30_000,
      pollMs: 250,
      maxAttempts: 3,
      retryBaseMs: 1000,
      targets: [],
      retentionMs: 90 * 86_400_000,
      sweepIntervalMs: 10 * 60_000,
      ...opts,
    };
  }

  /** Claims jobs targeted at this data orchestrator from now on. */
  serveTarget(orchestratorId: string): void {
    if (!this.#opts.targets.includes(orchestratorId)) this.#opts.targets = [...this.#opts.targets, orchestratorId];
  }

  register(handler: JobHandler): void {
    this.#handlers.set(handler.type, handler);
  }

  /** The job type's handler (a separate orchestrator's jobs are planned and recorded by it). */
  handler(jobType: string): JobHandler | undefined {
    return this.#handlers.get(jobType);
  }

  /** The job type's undo on failure as a write of the transaction that ends the job FAILED. */
  failureUndo(job: JobRef & { jobType: string; payload: unknown }, reason: string): (uow: UnitOfWork) => Promise<void> {
    return this.#undo(this.#handlers.get(job.jobType)?.onFailure, job, job.payload, reason);
  }

  start(): void {
    const tick = () => {
      void this.poll().finally(() => {
        if (!this.#stop.signal.aborted) this.#timer = setTimeout(tick, this.#opts.pollMs);
      });
    };
    tick();
  }

  /** Looks for work now (called after a job is queued in this process). */
  wake(): void {
    if (!this.#stop.signal.aborted) void this.poll();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#running]);
  }

  async poll(): Promise<void> {
    if (this.#polling || this.#stop.signal.aborted) return;
    this.#polling = true;
    try {
      await this.recover();
      await this.#housekeeping();
      while (this.#running.size < this.#opts.concurrency && !this.#stop.signal.aborted) {
        const job = await this.#queue.claim(this.id, this.#opts.leaseMs, this.#opts.targets);
        if (!job) break;
        const run = this.#run(job).finally(() => {
          this.#running.delete(run);
          this.wake();
        });
        this.#running.add(run);
      }
    } catch (err) {
      this.#log.error({ err }, "job poll failed");
    } finally {
      this.#polling = false;
    }
  }

  /** Ends or resumes jobs whose worker died; each by a compare-and-set on the lease it saw expire. */
  async recover(): Promise<void> {
    for (const job of await this.#queue.expired()) {
      const handler = this.#handlers.get(job.jobType);
      const fence: Fence = { expiredOwner: job.leaseOwner, leaseUntil: job.leaseUntil };
      const limitMs = handler?.timeLimitMs;
      if (limitMs !== undefined && (await this.#overdue(job, limitMs))) {
        await this.#endUndoing(job, fence, (op) => markTimedOut(op, limitMs), handler?.onFailure, `time limit of ${limitMs} ms exceeded`);
        continue;
      }
      if (handler?.resumable && job.attempts < this.#maxAttempts(job, handler)) {
        await this.#writes.end(job, fence, (op) => logLine(op, "interrupted; resuming"), { queue_state: "queued", ...RELEASED, run_after: this.#queue.clock.now() });
        continue;
      }
      const reason = "the operation was interrupted (the server stopped while it ran) and cannot be resumed";
      await this.#endUndoing(job, fence, (op) => markFailed(op, reason, "INTERRUPTED"), handler?.onAbandon, reason);
    }
  }

  /** Cancels queued jobs that follow an operation that did not succeed (whatever their target: no data moves). */
  async cancelStranded(): Promise<void> {
    for (const job of await this.#queue.followersOfFailed()) await this.#writes.cancelIfAfterFailed(job, { queued: true });
  }

  /** Whether the job's operation started longer ago than its type's time limit (checked at recovery). */
  async #overdue(job: JobRef, limitMs: number): Promise<boolean> {
    const op = await this.#operations.repository.get<AsyncOperation>(job.customerId, job.id);
    return op?.startedAt != null && Date.now() - Date.parse(op.startedAt) >= limitMs;
  }

  /** Ends a job (queue state done) with its type's undo in the same transaction. */
  async #endUndoing(job: ClaimedJob, fence: Fence, mark: (op: AsyncOperation) => void, hook: JobHandler["onAbandon"], reason: string): Promise<void> {
    await this.#writes.end(job, fence, mark, { queue_state: "done", ...RELEASED }, this.#undo(hook, job, job.payload, reason));
  }

  /** Retention and parents waiting for children, each at its own interval. */
  async #housekeeping(): Promise<void> {
    // Paced in real time; the retention cutoff is on the queue's clock.
    const now = Date.now();
    if (now - this.#lastWaitingRefresh >= WAITING_REFRESH_MS) {
      this.#lastWaitingRefresh = now;
      await this.cancelStranded();
      await this.#writes.refreshWaiting();
    }
    if (now - this.#lastSweep >= this.#opts.sweepIntervalMs) {
      this.#lastSweep = now;
      const deleted = await this.#queue.sweep(new Date(this.#queue.clock.now() - this.#opts.retentionMs).toISOString());
      if (deleted > 0) this.#log.info({ deleted }, "deleted finished operations past their retention");
    }
  }

  #maxAttempts(job: ClaimedJob, handler: JobHandler | undefined): number {
    return job.maxAttempts ?? handler?.maxAttempts ?? this.#opts.maxAttempts;
  }

  /**
   * A job type's undo hook as a write of the transaction that ends the job. An undo that throws
   * is rolled back alone and logged: the job still ends, rather than staying RUNNING for
   * recovery to fail on again and again.
   */
  #undo(hook: JobHandler["onAbandon"], job: JobRef, payload: unknown, reason: string): (uow: UnitOfWork) => Promise<void> {
    return async (uow) => {
      if (!hook) return;
      const err = await inSavepoint(uow, () => hook({ customerId: job.customerId, operationId: job.id, payload, reason, uow }));
      if (err) this.#log.error({ err, operationId: job.id }, "undoing the job's busy state failed; the job ends without it");
    };
  }

  async #run(job: ClaimedJob): Promise<void> {
    const handler = this.#handlers.get(job.jobType);
    const fence: Fence = { owner: this.id };
    const lost = new AbortController();
    const limit = new AbortController();
    const signal = AbortSignal.any([this.#stop.signal, lost.signal, limit.signal]);
    const heartbeat = setInterval(() => {
      void this.#queue.renew(job.id, this.id, this.#opts.leaseMs).then((ok) => ok || lost.abort(), () => {});
    }, this.#opts.leaseMs / 3);
    let timeLimit: NodeJS.Timeout | undefined;
    let timedOut: Promise<void> | undefined;
    /** Ends the job FAILED (or TIMEDOUT) and lets the job type undo its busy states. */
    const fail = (mark: (op: AsyncOperation) => void, reason: string) => this.#endUndoing(job, fence, mark, handler?.onFailure, reason);
    try {
      const problem = handler ? handler.check?.(job.payload) : `no handler for job type '${job.jobType}'`;
      if (problem !== undefined || !handler) {
        await fail((op) => markFailed(op, problem ?? "no handler", "INVALID_JOB"), problem ?? "no handler");
        return;
      }
      if (await this.#writes.cancelIfAfterFailed(job, fence)) return;
      const started = await this.#writes.write(job, fence, markRunning);
      if (!started) return;
      const limitMs = handler.timeLimitMs;
      if (limitMs !== undefined) {
        timeLimit = setTimeout(() => {
          limit.abort();
          timedOut = fail((op) => markTimedOut(op, limitMs), `time limit of ${limitMs} ms exceeded`);
          // The limit counts from the operation's start: a resumed run gets what is left of it.
        }, Math.max(0, limitMs - (Date.now() - Date.parse(started.startedAt ?? new Date().toISOString()))));
      }
      const associated = outcomeOf(await handler.run(this.#context(job, started, signal, lost)));
      if (signal.aborted) return; // stopped, lost or timed out: recovery or the timer decides
      const resources: ResourceRef[] = associated.associatedResources ?? [];
      if (associated.waitForChildren) {
        await this.#writes.end(
          job,
          fence,
          (op) => {
            addResources(op, resources);
            logLine(op, "waiting for its child operations");
          },
          { queue_state: "waiting", ...RELEASED },
          associated.commit,
        );
        return;
      }
      await this.#writes.end(job, fence, (op) => markSucceeded(op, resources), { queue_state: "done", ...RELEASED }, associated.commit);
    } catch (err) {
      if (signal.aborted || err instanceof JobLeaseLostError) return;
      const { message, code, unexpected } = describeFailure(err);
      if ((err instanceof TransientJobError || isRetryableDatabaseError(err)) && job.attempts < this.#maxAttempts(job, handler)) {
        const delay = Math.min(MAX_RETRY_DELAY_MS, this.#opts.retryBaseMs * 2 ** (job.attempts - 1));
        const note = `attempt ${job.attempts} failed: ${message}; retrying in ${delay} ms`;
        await this.#writes.end(job, fence, (op) => logLine(op, note), { queue_state: "queued", ...RELEASED, run_after: this.#queue.clock.now() + delay });
        return;
      }
      if (unexpected) this.#log.error({ err, operationId: job.id }, "job failed");
      await fail((op) => markFailed(op, message, code), message).catch((e: unknown) => this.#log.error({ err: e }, "could not record job failure"));
    } finally {
      clearInterval(heartbeat);
      clearTimeout(timeLimit);
      await timedOut;
    }
  }

  /** What run() gets: progress and log writes, children and fenced transactions, all fenced by the lease. */
  #context(job: ClaimedJob, started: AsyncOperation, signal: AbortSignal, lost: AbortController): JobContext {
    const fence: Fence = { owner: this.id };
    let op = started;
    let lastWrite = 0;
    let lastPublish = Date.now();
    let pending: { percent: number; message?: string | undefined } | undefined;
    const flush = async () => {
      if (!pending) return;
      const { percent, message } = pending;
      pending = undefined;
      lastWrite = Date.now();
      if (message === undefined && lastWrite - lastPublish < PROGRESS_PUBLISH_INTERVAL_MS) {
        if (!(await this.#writes.progress(job.id, fence, percent))) lost.abort();
        return;
      }
      lastPublish = lastWrite;
      const next = await this.#writes.write(job, fence, (o) => {
        o.progressPercent = Math.max(o.progressPercent, Math.min(99, Math.floor(percent)));
        if (message) logLine(o, redactPrivatePaths(message));
      });
      if (next) op = next;
      else lost.abort();
    };
    const fenced = <R>(work: (uow: UnitOfWork) => Promise<R>): Promise<R> =>
      this.#operations.repository.transaction(async (trx) => {
        if (!(await this.#writes.renewIn(trx, job.id, this.id, this.#opts.leaseMs))) {
          lost.abort();
          throw new JobLeaseLostError(`operation ${job.id}: this worker no longer holds the job`);
        }
        return work(trx);
      });
    return {
      operation: started,
      customerId: job.customerId,
      payload: job.payload,
      attempt: job.attempts,
      signal,
      progress: async (percent, message) => {
        pending = { percent, message };
        if (message || Date.now() - lastWrite >= PROGRESS_WRITE_INTERVAL_MS) await flush();
      },
      log: async (message) => {
        pending = { percent: pending?.percent ?? op.progressPercent, message };
        await flush();
      },
      spawnChild: (child, uow) => {
        const create = (trx: UnitOfWork) => this.#operations.create({ ...child, customerId: job.customerId, userId: started.userId, parentId: job.id }, trx);
        return uow ? create(uow) : fenced(create);
      },
      fenced,
    };
  }
}
