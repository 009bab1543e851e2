// Async operations: each is a row that is both the API's task record and, when it carries a job
// type, a durable queue entry the worker claims. State moves INITIALIZED -> RUNNING -> terminal.
import { randomUUID } from "node:crypto";
import type { DocumentRepository, StoredDocument, UnitOfWork } from "./ports/documents.ts";
import { type CrashPoints, NO_CRASH_POINTS } from "../platform/crash-points.ts";
import { nowIso, systemClock } from "../domain/clock.ts";
import { AppError } from "../domain/app-error.ts";
import { ASYNC_OPERATIONS_PATH } from "../domain/paths.ts";

export type OperationState = "INITIALIZED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "TIMEDOUT" | "PAUSED";
export const TERMINAL_STATES: readonly OperationState[] = ["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"];
const MAX_LOG_MESSAGES = 50;

export interface ResourceRef {
  name?: string;
  resourceUri: string;
  type: string;
}

export interface AsyncOperation extends StoredDocument {
  name: string;
  type: string;
  resourceUri: string;
  displayName: string;
  state: OperationState;
  status: OperationState;
  healthStatus: string;
  progressPercent: number;
  startedAt: string | null;
  endedAt: string | null;
  error?: { error: string; errorCode: string; traceId: string };
  logMessages: { message: string; timestamp: string }[];
  associatedResources: ResourceRef[];
  sourceResourceUri: string | null;
  parent?: OperationRef;
  rootOperation?: OperationRef;
  hasChildOperations: boolean;
  subtreeOperationCount: number;
  userId: string;
}

export interface OperationRef {
  id: string;
  name?: string;
  resourceUri: string;
  type: string;
}

const refTo = (op: AsyncOperation): OperationRef => ({ id: op.id, name: op.name, resourceUri: op.resourceUri, type: op.type });
/** Nesting deeper than this is refused: it bounds the ancestor walk. */
const MAX_DEPTH = 16;

export interface NewOperation {
  customerId: string;
  userId: string;
  name: string;
  displayName?: string;
  sourceResourceUri?: string;
  associatedResources?: ResourceRef[];
  /** Job type the worker runs; omitted for records of work done elsewhere. */
  jobType?: string;
  payload?: unknown;
  parentId?: string;
  estimatedMinutes?: number;
  /** While an unfinished operation of the tenant has this key, create() returns it instead. */
  jobKey?: string;
  /** At most one job per key runs (or waits for its children) at a time; the others wait queued. */
  concurrencyKey?: string;
  /** Only this data orchestrator's worker claims the job. */
  target?: string;
  /** Higher is claimed first; default 0. */
  priority?: number;
  /** Overrides the job type's attempt limit. */
  maxAttempts?: number;
  /**
   * An operation of the workspace that must be done before this job is claimed; if it did not
   * succeed, this one ends CANCELLED naming it without running (a chain of children in order).
   */
  after?: string;
}

/** What a running job passes to spawnChild(): the tenant, user and parent are its own. */
export type NewChildOperation = Omit<NewOperation, "customerId" | "userId" | "parentId">;

export type { UnitOfWork } from "./ports/documents.ts";

/** Queue columns of a new operation's row (see tables.ts). */
function queueColumns(input: NewOperation, rootId: string | null, now: number): Record<string, unknown> {
  return {
    job_type: input.jobType ?? null,
    job_payload: input.jobType ? JSON.stringify(input.payload ?? null) : null,
    queue_state: input.jobType ? "queued" : "done",
    run_after: now,
    job_key: input.jobKey ?? null,
    concurrency_key: input.concurrencyKey ?? null,
    target: input.target ?? null,
    priority: input.priority ?? 0,
    max_attempts: input.maxAttempts ?? null,
    after_id: input.after ?? null,
    root_id: rootId,
    progress_percent: 0,
  };
}

export class AsyncOperationService {
  readonly repository: DocumentRepository;
  readonly #crash: CrashPoints;

  constructor(repository: DocumentRepository, crashPoints: CrashPoints = NO_CRASH_POINTS) {
    this.repository = repository;
    this.#crash = crashPoints;
  }

  /**
   * Writes a resource's busy state (`busy`, in the unit of work) and inserts its operation in the
   * same transaction: a crash leaves both or neither, never a busy resource with no job to free it.
   */
  start<R>(busy: (uow: UnitOfWork) => Promise<R>, operation: (state: R) => NewOperation): Promise<{ state: R; operation: AsyncOperation }> {
    return this.repository.transaction(async (trx) => {
      const state = await busy(trx);
      this.#crash.hit("after-busy-state");
      return { state, operation: await this.create(operation(state), trx) };
    });
  }

  /**
   * Records the operation and queues its job (acknowledged means durable), in the caller's unit
   * of work when given. With a job key held by an unfinished operation, returns that one instead.
   */
  create(input: NewOperation, uow?: UnitOfWork): Promise<AsyncOperation> {
    const work = async (trx: UnitOfWork) => {
      // The keyed operation may finish between the refused insert and the lookup: insert again.
      for (let tries = 0; ; tries++) {
        const op = await this.#insert(input, trx);
        if (op) return op;
        if (input.jobKey === undefined) throw new Error("an operation insert without a job key was refused");
        const holder = await this.holderOf(input.customerId, input.jobKey, trx);
        const found = holder ? await this.repository.get<AsyncOperation>(input.customerId, holder, trx) : undefined;
        if (found) return found;
        if (tries >= 3) throw AppError.conflict(`job key '${input.jobKey}' is contended; retry`);
      }
    };
    return uow ? work(uow) : this.repository.transaction(work);
  }

  /** The id of the unfinished operation that holds the job key, if any. */
  async holderOf(customerId: string, jobKey: string, uow: UnitOfWork): Promise<string | undefined> {
    const row = await uow.selectFrom("async_operations").select("id").where("customer_id", "=", customerId).where("job_key", "=", jobKey).where("queue_state", "<>", "done").executeTakeFirst();
    return row ? String(row.id) : undefined;
  }

  /** The new operation, or undefined when its job key is taken. */
  async #insert(input: NewOperation, trx: UnitOfWork): Promise<AsyncOperation | undefined> {
    const id = randomUUID();
    const at = this.repository.clock.now();
    const now = new Date(at).toISOString();
    const op: AsyncOperation = {
      id,
      name: input.name,
      displayName: input.displayName ?? input.name,
      type: "task",
      generation: 1,
      createdAt: now,
      updatedAt: now,
      resourceUri: `${ASYNC_OPERATIONS_PATH}/${id}`,
      customerId: input.customerId,
      state: "INITIALIZED",
      status: "INITIALIZED",
      healthStatus: "OK",
      progressPercent: 0,
      startedAt: null,
      endedAt: null,
      logMessages: [{ message: "queued", timestamp: now }],
      associatedResources: input.associatedResources ?? [],
      sourceResourceUri: input.sourceResourceUri ?? null,
      hasChildOperations: false,
      subtreeOperationCount: 0,
      suggestedPollingIntervalSeconds: 2,
      estimatedRunningDurationMinutes: input.estimatedMinutes ?? 1,
      services: ["backup-and-recovery"],
      userId: input.userId,
      groups: [],
      recommendations: [],
    };
    const parentId = input.parentId;
    if (parentId === undefined) return (await this.repository.insertIfAbsent(op, queueColumns(input, null, at), trx)) ? op : undefined;
    // A child names its parent and root; every ancestor counts it, in the same transaction.
    const parent = await this.repository.get<AsyncOperation>(input.customerId, parentId, trx, true);
    if (!parent) throw AppError.badRequest(`parent operation '${parentId}' not found`);
    op.parent = refTo(parent);
    op.rootOperation = parent.rootOperation ?? refTo(parent);
    if (!(await this.repository.insertIfAbsent(op, queueColumns(input, op.rootOperation.id, at), trx))) return undefined;
    let ancestor: string | undefined = parentId;
    for (let depth = 0; ancestor !== undefined; depth++) {
      if (depth >= MAX_DEPTH) throw AppError.badRequest(`operations may nest at most ${MAX_DEPTH} deep`);
      const updated: AsyncOperation = await this.repository.update<AsyncOperation>(
        input.customerId,
        ancestor,
        undefined,
        (a) => {
          a.hasChildOperations = true;
          a.subtreeOperationCount += 1;
          return a;
        },
        trx,
      );
      ancestor = updated.parent?.id;
    }
    return op;
  }

  get(customerId: string, id: string): Promise<AsyncOperation | undefined> {
    return this.repository.get<AsyncOperation>(customerId, id);
  }

  /** Applies a change to the operation's document; returns the new document. */
  change(customerId: string, id: string, mutate: (op: AsyncOperation) => void): Promise<AsyncOperation> {
    return this.repository.update<AsyncOperation>(customerId, id, undefined, (op) => {
      mutate(op);
      return tidy(op);
    });
  }
}

/** Keeps the derived fields of a changed operation right: `status` mirrors `state`, the log is bounded. */
export function tidy(op: AsyncOperation): AsyncOperation {
  op.status = op.state;
  if (op.logMessages.length > MAX_LOG_MESSAGES) op.logMessages = op.logMessages.slice(-MAX_LOG_MESSAGES);
  return op;
}

export function logLine(op: AsyncOperation, message: string): void {
  op.logMessages.push({ message, timestamp: nowIso(systemClock) });
}

export function markRunning(op: AsyncOperation): void {
  op.state = "RUNNING";
  op.startedAt ??= nowIso(systemClock);
  logLine(op, "running");
}

export function markSucceeded(op: AsyncOperation, associated: ResourceRef[] = []): void {
  op.state = "SUCCEEDED";
  op.progressPercent = 100;
  op.healthStatus = "OK";
  op.endedAt = nowIso(systemClock);
  addResources(op, associated);
  logLine(op, "succeeded");
}

/** Adds resources to associatedResources, each once. */
export function addResources(op: AsyncOperation, resources: ResourceRef[]): void {
  for (const r of resources) if (!op.associatedResources.some((a) => a.resourceUri === r.resourceUri)) op.associatedResources.push(r);
}

export function markFailed(op: AsyncOperation, message: string, errorCode = "INTERNAL_ERROR"): void {
  op.state = "FAILED";
  op.healthStatus = "ERROR";
  op.endedAt = nowIso(systemClock);
  op.error = { error: message, errorCode, traceId: op.id.replaceAll("-", "") };
  logLine(op, `failed: ${message}`);
}

/** Ends the operation CANCELLED: it did not run (the operation it follows did not succeed). */
export function markCancelled(op: AsyncOperation, message: string): void {
  markFailed(op, message, "CANCELLED");
  op.state = "CANCELLED";
}

/** Ends the operation TIMEDOUT, naming the limit it exceeded. */
export function markTimedOut(op: AsyncOperation, limitMs: number): void {
  markFailed(op, `the operation exceeded its time limit of ${limitMs} ms`, "TIMEDOUT");
  op.state = "TIMEDOUT";
}
