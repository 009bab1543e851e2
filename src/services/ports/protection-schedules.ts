// The scheduler's rows: one per (protection job, schedule), with the rule it fires by and the next
// slot it is due at (src/db/protection-schedules.ts implements it). A slot is claimed by a
// conditional update on the next fire time, so of several processes scanning the same rows one
// wins each slot; the claim runs in the unit of work that queues the slot's run.
import type { ScheduleRule } from "../../domain/schedule-slots.ts";
import type { Executor } from "./documents.ts";

export interface ScheduleRow {
  customerId: string;
  jobId: string;
  scheduleId: number;
  rule: ScheduleRule;
  timeZone: string;
  /** Epoch ms from which "every N" days, weeks and months count. */
  anchorAt: number;
  /** Epoch ms of the next slot; null when the rule can never fire. */
  nextFireAt: number | null;
  suspended: boolean;
  /** The newest slot fired or skipped, epoch ms. */
  lastSlot: number | null;
  /** The run operation that last included this schedule (scheduled, on demand or initial). */
  lastOperationId: string | null;
}

/** What a claim moves the row to: the slot it fires and the slot after it. */
export interface ScheduleClaim {
  expectedNext: number;
  slot: number;
  next: number | null;
}

export interface ProtectionScheduleStore {
  /** Active rows due at `now` (next fire time at or before it), earliest first, at most `limit`. */
  due(now: number, limit: number): Promise<ScheduleRow[]>;
  /** The earliest next fire time of any active row, or undefined when none is pending. */
  earliest(): Promise<number | undefined>;
  ofJob(customerId: string, jobId: string, uow?: Executor): Promise<ScheduleRow[]>;
  insert(rows: readonly ScheduleRow[], uow: Executor): Promise<void>;
  /** Rewrites rule, zone, anchor, next fire time and suspension of existing rows. */
  save(rows: readonly ScheduleRow[], uow: Executor): Promise<void>;
  /** Moves an active row from `expectedNext` to `next`, recording `slot`; false when another process (or a change) got there first. */
  claim(row: ScheduleRow, claim: ScheduleClaim, uow: Executor): Promise<boolean>;
  /** Records the run operation that now includes these schedules of the job. */
  setLastOperation(customerId: string, jobId: string, scheduleIds: readonly number[], operationId: string, uow: Executor): Promise<void>;
  remove(customerId: string, jobId: string, scheduleIds: readonly number[] | "all", uow: Executor): Promise<void>;
}
