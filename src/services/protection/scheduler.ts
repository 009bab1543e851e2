// Fires protection schedules on the injected clock. Each due row is claimed by a conditional
// update of its next fire time, in the transaction that queues its run (job key
// schedule:<job>:<schedule>:<slot>), so of several server processes on one database exactly one
// fires each slot, and a crash leaves both or neither. After downtime a schedule fires its newest
// missed slot once. A slot that comes while the schedule's previous run has not finished is
// skipped and recorded as SKIPPED in the job's executionStatuses (the contract's trigger history).
// The loop sleeps until the earliest next fire time (at most pollMs, since another process may
// add rows) and wakes at once when the clock jumps (the test clock) or local rows change.
import { ASYNC_OPERATIONS_PATH } from "../../domain/paths.ts";
import { latestSlotAtOrBefore, nextSlotAfter } from "../../domain/schedule-slots.ts";
import { type AsyncOperation, TERMINAL_STATES } from "../async-operations.ts";
import type { UnitOfWork } from "../ports/documents.ts";
import type { ScheduleRow } from "../ports/protection-schedules.ts";
import type { ProtectionJobContext } from "./protection-job-context.ts";
import { type ProtectionJobDoc, pushStatus, schedulesOf, settleStatus } from "./protection-job-document.ts";
import { queueRun, setNextRunTime } from "./queue-run.ts";

export interface SchedulerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SchedulerOptions {
  /** Longest sleep between scans (rows another process adds are seen within it), ms. */
  pollMs?: number;
  /** Rows claimed per scan. */
  batch?: number;
}

/** The userId of the operations the scheduler queues. */
export const SCHEDULER_USER = "obr-scheduler";

export type FireOutcome = "queued" | "skipped" | "lost";

/**
 * Runs a transaction again when PostgreSQL chose it as a deadlock's victim (it rolled back
 * whole): another writer of the workspace (a request, a job's completion) took the same rows,
 * among them the collection version rows every write bumps, in another order.
 */
async function retryDeadlock<R>(work: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 5 || Reflect.get(Object(err), "code") !== "40P01") throw err;
      await new Promise((r) => setTimeout(r, attempt * 20 * Math.random()));
    }
  }
}

export class ProtectionScheduler {
  readonly #ctx: ProtectionJobContext;
  readonly #log: SchedulerLog;
  readonly #pollMs: number;
  readonly #batch: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #unsubscribe: (() => void) | undefined;

  constructor(ctx: ProtectionJobContext, log: SchedulerLog, options: SchedulerOptions = {}) {
    this.#ctx = ctx;
    this.#log = log;
    this.#pollMs = options.pollMs ?? 5000;
    this.#batch = options.batch ?? 100;
  }

  start(): void {
    this.#stopped = false;
    this.#unsubscribe = this.#ctx.clock.onJump?.(() => this.wake());
    this.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Scans now (rows changed, or the clock jumped). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        while ((await this.tick()) === this.#batch && !this.#stopped);
      } catch (err) {
        this.#log.error({ err }, "protection scheduler scan failed");
      }
    } while (this.#again && !this.#stopped);
    if (this.#stopped) return;
    let sleep = this.#pollMs;
    try {
      const earliest = await this.#ctx.schedules.earliest();
      if (earliest !== undefined) sleep = Math.max(0, Math.min(sleep, earliest - this.#ctx.clock.now()));
    } catch (err) {
      this.#log.error({ err }, "protection scheduler could not read the next fire time");
    }
    this.#timer = setTimeout(() => this.wake(), sleep);
  }

  /** Fires every row due now (at most one batch); returns how many rows were due. */
  async tick(): Promise<number> {
    const now = this.#ctx.clock.now();
    const due = await this.#ctx.schedules.due(now, this.#batch);
    for (const row of due) await this.fire(row, now);
    if (due.length > 0) this.#ctx.wake();
    return due.length;
  }

  /** Claims the row's newest due slot and queues its run (or records it skipped); "lost" when another process claimed it. */
  async fire(row: ScheduleRow, now: number): Promise<FireOutcome> {
    const ctx = this.#ctx;
    const slotCtx = { anchor: row.anchorAt, timeZone: row.timeZone };
    const expectedNext = row.nextFireAt;
    if (expectedNext === null) return "lost";
    const slot = Math.max(expectedNext, latestSlotAtOrBefore(row.rule, now, slotCtx) ?? expectedNext);
    const next = nextSlotAfter(row.rule, Math.max(now, slot), slotCtx) ?? null;
    const outcome = await retryDeadlock(() => ctx.jobs.transaction(async (uow): Promise<FireOutcome> => {
      // The job first, then its schedule: the order every change of a job takes its locks in.
      const job = await ctx.jobs.get<ProtectionJobDoc>(row.customerId, row.jobId, uow, true);
      if (!job || !(await ctx.schedules.claim(row, { expectedNext, slot, next }, uow))) return "lost";
      const previous = row.lastOperationId ? await ctx.operations.repository.get<AsyncOperation>(row.customerId, row.lastOperationId, uow) : undefined;
      if (previous && !TERMINAL_STATES.includes(previous.state)) {
        await this.#recordSkip(job, row, slot, next, previous, uow);
        return "skipped";
      }
      const nextRunTimes = new Map([[row.scheduleId, next]]);
      await queueRun(ctx, { job, scheduleIds: [row.scheduleId], trigger: "SCHEDULED", fullBackup: false, userId: SCHEDULER_USER, jobKey: `schedule:${job.id}:${row.scheduleId}:${slot}`, at: slot, nextRunTimes }, uow);
      if (previous) await this.#settlePrevious(job, previous, uow);
      return "queued";
    }));
    if (outcome === "skipped") this.#log.info({ protectionJobId: row.jobId, scheduleId: row.scheduleId, slot: new Date(slot).toISOString() }, "schedule slot skipped: its previous run has not finished");
    return outcome;
  }

  async #recordSkip(job: ProtectionJobDoc, row: ScheduleRow, slot: number, next: number | null, previous: AsyncOperation, uow: UnitOfWork): Promise<void> {
    const timestamp = new Date(slot).toISOString();
    await this.#ctx.jobs.update<ProtectionJobDoc>(
      job.customerId,
      job.id,
      undefined,
      (doc) => {
        for (const { schedule } of schedulesOf(doc)) {
          if (schedule.scheduleId !== row.scheduleId) continue;
          setNextRunTime(schedule, next);
          pushStatus(schedule, { status: "SKIPPED", timestamp, errorMessage: `the previous run (${ASYNC_OPERATIONS_PATH}/${previous.id}) had not finished` });
        }
        return doc;
      },
      uow,
    );
  }

  /** The previous run ended: its IN_PROGRESS statuses take its outcome (if the run did not record it). */
  async #settlePrevious(job: ProtectionJobDoc, previous: AsyncOperation, uow: UnitOfWork): Promise<void> {
    const taskUri = `${ASYNC_OPERATIONS_PATH}/${previous.id}`;
    const ok = previous.state === "SUCCEEDED";
    await this.#ctx.jobs.update<ProtectionJobDoc>(
      job.customerId,
      job.id,
      undefined,
      (doc) => {
        for (const { schedule } of schedulesOf(doc)) settleStatus(schedule, taskUri, ok, previous.error?.error);
        return doc;
      },
      uow,
    );
  }
}
