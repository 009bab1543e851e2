// Async operations: each is a row that is both the API's task record and, when it carries a job
// type, a durable queue entry the worker claims. State moves INITIALIZED -> RUNNING -> terminal.
import { randomUUID } from "node:crypto";
import type { DocumentRepository, StoredDocument } from "../db/document-repository.ts";
import { nowIso } from "../db/document-repository.ts";
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
}

export class AsyncOperationService {
  readonly repository: DocumentRepository;

  constructor(repository: DocumentRepository) {
    this.repository = repository;
  }

  /** Records the operation and queues its job in one insert: acknowledged means durable. */
  async create(input: NewOperation): Promise<AsyncOperation> {
    const id = randomUUID();
    const now = nowIso();
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
    const queue = {
      job_type: input.jobType ?? null,
      job_payload: input.jobType ? JSON.stringify(input.payload ?? null) : null,
      queue_state: input.jobType ? "queued" : "done",
      run_after: Date.now(),
    };
    const parentId = input.parentId;
    if (parentId === undefined) {
      await this.repository.insert(op, queue);
      return op;
    }
    // A child names its parent and root; every ancestor counts it, in the same transaction.
    return this.repository.transaction(async (trx) => {
      const parent = await this.repository.get<AsyncOperation>(input.customerId, parentId, trx, true);
      if (!parent) throw AppError.badRequest(`parent operation '${parentId}' not found`);
      op.parent = refTo(parent);
      op.rootOperation = parent.rootOperation ?? refTo(parent);
      await this.repository.insert(op, queue, trx);
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
    });
  }

  get(customerId: string, id: string): Promise<AsyncOperation | undefined> {
    return this.repository.get<AsyncOperation>(customerId, id);
  }

  /** Applies a change to the operation's document; returns the new document. */
  change(customerId: string, id: string, mutate: (op: AsyncOperation) => void): Promise<AsyncOperation> {
    return this.repository.update<AsyncOperation>(customerId, id, undefined, (op) => {
      mutate(op);
      op.status = op.state;
      if (op.logMessages.length > MAX_LOG_MESSAGES) op.logMessages = op.logMessages.slice(-MAX_LOG_MESSAGES);
      return op;
    });
  }
}

export function logLine(op: AsyncOperation, message: string): void {
  op.logMessages.push({ message, timestamp: nowIso() });
}

export function markRunning(op: AsyncOperation): void {
  op.state = "RUNNING";
  op.startedAt ??= nowIso();
  logLine(op, "running");
}

export function markSucceeded(op: AsyncOperation, associated: ResourceRef[] = []): void {
  op.state = "SUCCEEDED";
  op.progressPercent = 100;
  op.healthStatus = "OK";
  op.endedAt = nowIso();
  for (const r of associated) if (!op.associatedResources.some((a) => a.resourceUri === r.resourceUri)) op.associatedResources.push(r);
  logLine(op, "succeeded");
}

export function markFailed(op: AsyncOperation, message: string, errorCode = "INTERNAL_ERROR"): void {
  op.state = "FAILED";
  op.healthStatus = "ERROR";
  op.endedAt = nowIso();
  op.error = { error: message, errorCode, traceId: op.id.replaceAll("-", "") };
  logLine(op, `failed: ${message}`);
}
