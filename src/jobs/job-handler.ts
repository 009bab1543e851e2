// What a job type provides to the worker.
import type { AsyncOperation, ResourceRef } from "../services/async-operations.ts";

export interface JobContext {
  operation: AsyncOperation;
  customerId: string;
  payload: unknown;
  /** 1 on the first run; more after a retry or a resume. */
  attempt: number;
  /** Reports progress (0-100) with an optional log line; writes are throttled. */
  progress(percent: number, message?: string): Promise<void>;
  log(message: string): Promise<void>;
  /** Aborted when the worker stops or loses the job's lease. */
  signal: AbortSignal;
}

export interface JobHandler {
  type: string;
  /** Safe to run again from the start after a crash; otherwise an interrupted run ends FAILED. */
  resumable: boolean;
  /** Returns resources to list in associatedResources; throw an AppError to fail with its message. */
  run(ctx: JobContext): Promise<ResourceRef[] | undefined>;
}
