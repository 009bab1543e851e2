// What a job type provides to the worker, and defineJob(): a job type declared with a TypeBox
// payload schema, so its run() receives the payload's static type, checked when it is claimed.
import type { Static, TSchema } from "typebox";
import { Value } from "typebox/value";
import type { AsyncOperation, NewChildOperation, ResourceRef, UnitOfWork } from "../services/async-operations.ts";

export interface JobContext<P = unknown> {
  operation: AsyncOperation;
  customerId: string;
  payload: P;
  /** 1 on the first run; more after a retry or a resume. */
  attempt: number;
  /** Reports progress (0-100) with an optional log line; writes are throttled and fenced by the lease. */
  progress(percent: number, message?: string): Promise<void>;
  log(message: string): Promise<void>;
  /** Aborted when the worker stops, loses the job's lease or the job's time limit passes. */
  signal: AbortSignal;
  /**
   * Queues a child operation; end the run with `{ waitForChildren: true }` to finish with them.
   * With `uow` (an outcome's `commit`) the child is created in that transaction: children
   * spawned in the `commit` of a waiting outcome exist exactly when the parent waits for them.
   * A child with `after` (a sibling's id) runs only once that sibling is done (in sequence).
   */
  spawnChild(child: NewChildOperation, uow?: UnitOfWork): Promise<AsyncOperation>;
  /**
   * Runs `work` in a transaction that first renews this job's lease: it commits only while this
   * worker still holds the job, so a side effect written there happens once even when a stalled
   * worker wakes after another one took the job over. Throws JobLeaseLostError otherwise.
   */
  fenced<R>(work: (uow: UnitOfWork) => Promise<R>): Promise<R>;
}

export interface JobOutcome {
  associatedResources?: ResourceRef[];
  /**
   * Writes committed in the same transaction as the job's completion (and only if this worker
   * still holds the job): a side effect that happens exactly once with the completion. With
   * `waitForChildren`, in the transaction that makes the parent wait (spawn its children there).
   */
  commit?: (uow: UnitOfWork) => Promise<void>;
  /**
   * End this run without ending the operation: it waits, holding no worker slot, until its last
   * child finishes, then ends SUCCEEDED (or FAILED naming the child that did not succeed).
   */
  waitForChildren?: boolean;
}

/** What run() returns: resources for associatedResources, or an outcome. */
export type JobResult = ResourceRef[] | JobOutcome | undefined;

/**
 * What onAbandon/onFailure get to undo a job's busy states. `uow` is the transaction that ends
 * the job (the fenced completion, or the recoverer's compare-and-set): write through it, so the
 * undo commits with the end state or not at all.
 */
export interface UndoContext<P = unknown> {
  customerId: string;
  operationId: string;
  payload: P;
  /** Why the job ended: the error message. */
  reason: string;
  uow: UnitOfWork;
}

/** The worker's view of a job type (payload type erased: it holds many types in one map). */
export interface JobHandler {
  type: string;
  /** Safe to run again from the start after a crash; otherwise an interrupted run ends FAILED. */
  resumable: boolean;
  /** A run longer than this ends the operation TIMEDOUT. */
  timeLimitMs?: number;
  /** Runs (first, retries after TransientJobError, resumes) before the job ends FAILED; default 3. */
  maxAttempts?: number;
  /** Why a payload cannot run (checked at claim time), or undefined when it can. */
  check?(payload: unknown): string | undefined;
  /** Throw an AppError to fail with its message, a TransientJobError to be retried with backoff. */
  run(ctx: JobContext): Promise<JobResult>;
  /** Undoes busy states when an interrupted run is abandoned (not resumable, or out of attempts). */
  onAbandon?(ctx: UndoContext): Promise<void>;
  /** Undoes busy states when the job ends FAILED or TIMEDOUT (also after a crash, past its time limit). */
  onFailure?(ctx: UndoContext): Promise<void>;
  /**
   * A parent that waited for its children ended with them (SUCCEEDED, or FAILED after onFailure):
   * called once that end is committed, to record it elsewhere in a transaction of its own. Best
   * effort: a crash in between, or a failure here, loses the call.
   */
  onChildrenEnded?(ctx: ParentEnded): Promise<void>;
  /** Set when the job type can run in a separate `obr orchestrator` (see RemoteParts). */
  remote?: RemoteParts;
}

/** A job as a separate `obr orchestrator` claims it: the plan is made for that process. */
export interface RemoteJobStart<P = unknown> {
  customerId: string;
  operation: AsyncOperation;
  payload: P;
  /** The data orchestrator that runs it. */
  orchestratorId: string;
}

/** A remote job's reported result, checked against its schema, to record in `uow`. */
export interface RemoteJobEnd<P = unknown, R = unknown> extends RemoteJobStart<P> {
  result: R;
  /** The transaction that ends the job SUCCEEDED, fenced by the process's lease. */
  uow: UnitOfWork;
}

/**
 * How a job type runs in a separate `obr orchestrator`, which never reads the database: the
 * control plane plans the work when the process claims it (the plan travels with the job), the
 * process moves the data and reports a result, and the control plane records that result in the
 * transaction that ends the job, so what it lists commits exactly with the job's end state.
 */
export interface RemoteParts {
  plan(ctx: RemoteJobStart): Promise<unknown>;
  /** Why a reported result cannot be recorded (it does not match the schema), or undefined. */
  checkResult(result: unknown): string | undefined;
  /** Records a checked result; the resources the operation names. */
  record(ctx: RemoteJobEnd): Promise<ResourceRef[]>;
  /**
   * Outside any transaction, just before the result is recorded (best effort): what the job
   * names read afresh (a new VM into the inventory, a store's sizes), so it can be read as soon
   * as the job has ended.
   */
  refresh?(ctx: RemoteJobStart & { result: unknown }): Promise<void>;
}

/** How a waiting parent ended, for its job type's onChildrenEnded. */
export interface ParentEnded<P = unknown> {
  customerId: string;
  operationId: string;
  payload: P;
  succeeded: boolean;
  /** Why it failed: the child that did not succeed ("" when it succeeded). */
  reason: string;
}

export interface RemoteDefinition<S extends TSchema, R extends TSchema> {
  /** The schema of the result the orchestrator reports. */
  result: R;
  plan(ctx: RemoteJobStart<Static<S>>): Promise<unknown>;
  record(ctx: RemoteJobEnd<Static<S>, Static<R>>): Promise<ResourceRef[]>;
  refresh?(ctx: RemoteJobStart<Static<S>> & { result: Static<R> }): Promise<void>;
}

export interface JobDefinition<S extends TSchema, R extends TSchema = TSchema> {
  type: string;
  payload: S;
  resumable: boolean;
  timeLimitMs?: number;
  maxAttempts?: number;
  run(ctx: JobContext<Static<S>>): Promise<JobResult>;
  onAbandon?(ctx: UndoContext<Static<S>>): Promise<void>;
  onFailure?(ctx: UndoContext<Static<S>>): Promise<void>;
  onChildrenEnded?(ctx: ParentEnded<Static<S>>): Promise<void>;
  remote?: RemoteDefinition<S, R>;
}

/** A failure worth another attempt (a busy resource, a lost connection): retried with backoff. */
export class TransientJobError extends Error {
  override readonly name = "TransientJobError";
}

/** This worker no longer holds the job (its lease expired and another worker took it over). */
export class JobLeaseLostError extends Error {
  override readonly name = "JobLeaseLostError";
}

function schemaError(what: string, schema: TSchema, value: unknown): string | undefined {
  if (Value.Check(schema, value)) return undefined;
  const first = Value.Errors(schema, value)[0];
  return `invalid ${what}${first ? ` at '${first.instancePath || "/"}': ${first.message}` : ""}`;
}

const payloadError = (schema: TSchema, payload: unknown) => schemaError("job payload", schema, payload);

export function defineJob<S extends TSchema, R extends TSchema = TSchema>(def: JobDefinition<S, R>): JobHandler {
  const { type, resumable, timeLimitMs, maxAttempts, payload: schema } = def;
  // The worker checks first; the guards here only narrow the payload's type for the declaration.
  const typed = <C extends { payload: unknown }, T = void>(ctx: C, use: (payload: Static<S>) => Promise<T>) => {
    const payload = ctx.payload;
    if (!Value.Check(schema, payload)) throw new Error(payloadError(schema, payload));
    return use(payload);
  };
  const { onAbandon, onFailure, onChildrenEnded, remote } = def;
  return {
    type,
    resumable,
    ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    check: (payload) => payloadError(schema, payload),
    run(ctx) {
      const payload = ctx.payload;
      if (!Value.Check(schema, payload)) throw new Error(payloadError(schema, payload));
      return def.run({ ...ctx, payload });
    },
    ...(onAbandon ? { onAbandon: (ctx: UndoContext) => typed(ctx, (payload) => onAbandon({ ...ctx, payload })) } : {}),
    ...(onFailure ? { onFailure: (ctx: UndoContext) => typed(ctx, (payload) => onFailure({ ...ctx, payload })) } : {}),
    ...(onChildrenEnded ? { onChildrenEnded: (ctx: ParentEnded) => typed(ctx, (payload) => onChildrenEnded({ ...ctx, payload })) } : {}),
    ...(remote ? { remote: remoteParts(remote, typed) } : {}),
  };
}

type Typed<S extends TSchema> = <C extends { payload: unknown }, T>(ctx: C, use: (payload: Static<S>) => Promise<T>) => Promise<T>;

function remoteParts<S extends TSchema, R extends TSchema>(remote: RemoteDefinition<S, R>, typed: Typed<S>): RemoteParts {
  const { refresh } = remote;
  const checked = (result: unknown): Static<R> => {
    if (!Value.Check(remote.result, result)) throw new Error(schemaError("result", remote.result, result));
    return result;
  };
  return {
    plan: (ctx) => typed(ctx, (payload) => remote.plan({ ...ctx, payload })),
    checkResult: (result) => schemaError("result", remote.result, result),
    // async: a payload or result that does not check rejects, never throws at the caller.
    record: async (ctx) => typed(ctx, (payload) => remote.record({ ...ctx, payload, result: checked(ctx.result) })),
    ...(refresh ? { refresh: async (ctx: RemoteJobStart & { result: unknown }) => typed(ctx, (payload) => refresh({ ...ctx, payload, result: checked(ctx.result) })) } : {}),
  };
}
