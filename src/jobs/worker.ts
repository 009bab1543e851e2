// Claims queued jobs and runs them outside any request. After a crash no operation stays RUNNING:
// an expired lease is resumed (resumable job types) or ends FAILED with the reason.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { AppError } from "../domain/app-error.ts";
import { type AsyncOperationService, logLine, markFailed, markRunning, markSucceeded } from "../services/async-operations.ts";
import type { JobHandler } from "./job-handler.ts";
import type { ClaimedJob, JobQueue } from "./job-queue.ts";

export interface WorkerOptions {
  concurrency: number;
  /** A job whose lease is not renewed within this time is considered orphaned. */
  leaseMs?: number;
  pollMs?: number;
  /** Runs after this many attempts end FAILED instead of resuming. */
  maxAttempts?: number;
}

const PROGRESS_WRITE_INTERVAL_MS = 500;

export class Worker {
  readonly id = `worker-${randomUUID()}`;
  readonly #queue: JobQueue;
  readonly #operations: AsyncOperationService;
  readonly #handlers = new Map<string, JobHandler>();
  readonly #log: Logger;
  readonly #opts: Required<WorkerOptions>;
  readonly #running = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(queue: JobQueue, operations: AsyncOperationService, log: Logger, opts: WorkerOptions) {
    this.#queue = queue;
    this.#operations = operations;
    this.#log = log;
    this.#opts = { leaseMs: 30_000, pollMs: 250, maxAttempts: 3, ...opts };
  }

  register(handler: JobHandler): void {
    this.#handlers.set(handler.type, handler);
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
      while (this.#running.size < this.#opts.concurrency && !this.#stop.signal.aborted) {
        const job = await this.#queue.claim(this.id, this.#opts.leaseMs);
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

  /** Ends or resumes jobs whose worker died. */
  async recover(): Promise<void> {
    for (const job of await this.#queue.expired()) {
      const handler = this.#handlers.get(job.jobType);
      if (handler?.resumable && job.attempts < this.#opts.maxAttempts) {
        await this.#operations.change(job.customerId, job.id, (op) => logLine(op, "interrupted; resuming"));
        await this.#queue.requeue(job.id, Date.now());
      } else if (await this.#queue.abandon(job.id)) {
        await this.#operations.change(job.customerId, job.id, (op) =>
          markFailed(op, "the operation was interrupted (the server stopped while it ran) and cannot be resumed", "INTERRUPTED"),
        );
      }
    }
  }

  async #run(job: ClaimedJob): Promise<void> {
    const handler = this.#handlers.get(job.jobType);
    const lost = new AbortController();
    const signal = AbortSignal.any([this.#stop.signal, lost.signal]);
    const heartbeat = setInterval(() => {
      void this.#queue.renew(job.id, this.id, this.#opts.leaseMs).then((ok) => ok || lost.abort(), () => {});
    }, this.#opts.leaseMs / 3);
    try {
      let op = await this.#operations.change(job.customerId, job.id, markRunning);
      if (!handler) throw new AppError(500, "INTERNAL_ERROR", `no handler for job type '${job.jobType}'`);
      let lastWrite = 0;
      let pending: { percent: number; message?: string | undefined } | undefined;
      const flush = async () => {
        if (!pending) return;
        const { percent, message } = pending;
        pending = undefined;
        lastWrite = Date.now();
        op = await this.#operations.change(job.customerId, job.id, (o) => {
          o.progressPercent = Math.max(o.progressPercent, Math.min(99, Math.floor(percent)));
          if (message) logLine(o, message);
        });
      };
      const associated = await handler.run({
        operation: op,
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
      });
      if (signal.aborted) return; // stopped or lost: the lease expires and recovery decides
      await flush();
      await this.#operations.change(job.customerId, job.id, (o) => markSucceeded(o, associated ?? []));
      await this.#queue.finish(job.id, this.id);
    } catch (err) {
      if (signal.aborted) return;
      const message = err instanceof AppError ? err.message : "internal error while running the operation";
      if (!(err instanceof AppError) || err.httpStatusCode >= 500) this.#log.error({ err, operationId: job.id }, "job failed");
      await this.#operations
        .change(job.customerId, job.id, (o) => markFailed(o, message, err instanceof AppError ? err.errorCode : "INTERNAL_ERROR"))
        .catch((e) => this.#log.error({ err: e }, "could not record job failure"));
      await this.#queue.finish(job.id, this.id);
    } finally {
      clearInterval(heartbeat);
    }
  }
}
