// Every write the queue makes to a job's operation, each fenced: the operation's document (end
// state, log, progress) and its queue state change in ONE statement whose WHERE names the lease
// the writer holds (graphile-worker's completeJob/failJob idea), or, for recovery, the expired
// lease it saw. A worker that lost its lease changes nothing. A parent waiting for its children
// ends in the same transaction as its last child.
import { type Expression, type Kysely, type SqlBool, sql } from "kysely";
import type { Database } from "../db/database.ts";
import type { Tables } from "../db/tables.ts";
import { nowIso } from "../domain/clock.ts";
import { type AsyncOperation, type AsyncOperationService, type UnitOfWork, markCancelled, markFailed, markSucceeded, tidy } from "../services/async-operations.ts";
import type { CrashPoints } from "../platform/crash-points.ts";

/**
 * Whose write it is: the lease holder's, a recoverer's (the expired lease seen), a waiting
 * parent's, or anyone's on a job still queued (cancelling one that will never run).
 */
export type Fence = { owner: string } | { expiredOwner: string; leaseUntil: number } | { waiting: true } | { queued: true };

export interface JobRef {
  id: string;
  customerId: string;
}

type QueueChange = Partial<Pick<Tables["async_operations"], "queue_state" | "lease_owner" | "lease_until" | "run_after">>;
type Db = Kysely<Tables>;

/** A parent that its last child's completion ended FAILED (its job type may undo busy states). */
export interface FailedParent extends JobRef {
  jobType: string | null;
  payload: unknown;
  reason: string;
}

/** A waiting parent that its last child's completion ended, either way (its job type may record it). */
export interface EndedParent extends FailedParent {
  succeeded: boolean;
}

const RELEASED = { lease_owner: null, lease_until: null } as const;

/**
 * Runs `work` in a savepoint of `trx`: if it throws, its writes are rolled back and the rest of the
 * transaction can still commit (PostgreSQL refuses every later statement of a transaction in which
 * one failed). Returns the error, undefined when `work` succeeded.
 */
export async function inSavepoint(trx: UnitOfWork, work: () => Promise<void>): Promise<unknown> {
  await sql`savepoint job_undo`.execute(trx);
  try {
    await work();
    await sql`release savepoint job_undo`.execute(trx);
    return undefined;
  } catch (err) {
    await sql`rollback to savepoint job_undo`.execute(trx);
    await sql`release savepoint job_undo`.execute(trx);
    return err;
  }
}
const FAILED_STATES = ["FAILED", "CANCELLED", "TIMEDOUT"];

function fenceSql(fence: Fence): Expression<SqlBool> {
  if ("owner" in fence) return sql<SqlBool>`(queue_state = 'running' and lease_owner = ${fence.owner})`;
  if ("expiredOwner" in fence) {
    return sql<SqlBool>`(queue_state = 'running' and lease_owner = ${fence.expiredOwner} and lease_until = ${fence.leaseUntil})`;
  }
  if ("queued" in fence) return sql<SqlBool>`(queue_state = 'queued')`;
  return sql<SqlBool>`(queue_state = 'waiting')`;
}

export class JobWrites {
  readonly #db: Db;
  readonly #dialect: Database["dialect"];
  readonly #operations: AsyncOperationService;
  readonly #crash: CrashPoints;
  #undoParent: (parent: FailedParent, uow: UnitOfWork) => Promise<void> = async () => {};
  #parentEnded: (parent: EndedParent) => Promise<void> = async () => {};

  constructor(database: Database, operations: AsyncOperationService, crashPoints: CrashPoints) {
    this.#db = database.db;
    this.#dialect = database.dialect;
    this.#operations = operations;
    this.#crash = crashPoints;
  }

  /**
   * How a parent that a completion ends FAILED undoes its busy states: run inside that
   * completion's transaction (set by the worker, which knows the job types).
   */
  undoParentsWith(undo: (parent: FailedParent, uow: UnitOfWork) => Promise<void>): void {
    this.#undoParent = undo;
  }

  /**
   * What a parent's job type records when its children end it, either way: called after the
   * transaction that ended it committed, in a transaction of its own (so it takes its locks in
   * its own order, never after the queue's); a record that fails is lost, not retried.
   */
  recordParentsWith(record: (parent: EndedParent) => Promise<void>): void {
    this.#parentEnded = record;
  }

  /** Undoes the failed ones, in the transaction that ended them. */
  async #undoParents(ended: readonly EndedParent[], uow: UnitOfWork): Promise<void> {
    for (const parent of ended) if (!parent.succeeded) await this.#undoParent(parent, uow);
  }

  /** Tells each ended parent's job type, once its end is committed. */
  async #recordParents(ended: readonly EndedParent[]): Promise<void> {
    for (const parent of ended) await this.#parentEnded(parent).catch(() => undefined);
  }

  /**
   * Changes the document and the queue state in one statement, if the fence holds. The document
   * is read first and the write also requires its generation (another writer, e.g. a child being
   * added, may change it in between: then read again). Undefined when the fence does not hold.
   */
  async write(job: JobRef, fence: Fence, mutate: (op: AsyncOperation) => void, queue: QueueChange = {}, db: Db = this.#db): Promise<AsyncOperation | undefined> {
    for (;;) {
      const current = await this.#operations.repository.get<AsyncOperation>(job.customerId, job.id, db);
      if (!current) return undefined;
      const next = structuredClone(current);
      mutate(next);
      tidy(next);
      next.generation = current.generation + 1;
      next.updatedAt = nowIso(this.#operations.repository.clock, current.updatedAt);
      const text = JSON.stringify(next);
      const r = await db
        .updateTable("async_operations")
        .set({
          ...queue,
          doc: this.#dialect === "postgres" ? sql<string>`${text}::jsonb` : text,
          generation: next.generation,
          updated_at: next.updatedAt,
          state: next.state,
          progress_percent: next.progressPercent,
        })
        .where("id", "=", job.id)
        .where("generation", "=", current.generation)
        .where(fenceSql(fence))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return next;
      const held = await db.selectFrom("async_operations").select("id").where("id", "=", job.id).where(fenceSql(fence)).executeTakeFirst();
      if (!held) return undefined;
    }
  }

  /**
   * Raises progressPercent in place (no read, no new generation: the collection version and the
   * list caches are left alone). False when the fence does not hold.
   */
  async progress(id: string, fence: Fence, percent: number, db: Db = this.#db): Promise<boolean> {
    const p = Math.max(0, Math.min(99, Math.floor(percent)));
    const doc = this.#dialect === "postgres" ? sql<string>`jsonb_set(doc, '{progressPercent}', to_jsonb(${p}::integer))` : sql<string>`json_set(doc, '$.progressPercent', ${p})`;
    const r = await db
      .updateTable("async_operations")
      .set({ doc, progress_percent: p })
      .where("id", "=", id)
      .where("progress_percent", "<", p)
      .where(fenceSql(fence))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) return true;
    return (await db.selectFrom("async_operations").select("id").where("id", "=", id).where(fenceSql(fence)).executeTakeFirst()) !== undefined;
  }

  /**
   * Ends a run: the document change and queue change in one fenced statement, and in the same
   * transaction the parent it may complete (and the undo of a parent that ends FAILED). Undefined
   * when the fence does not hold. `first` writes what the end records before the document
   * changes (e.g. a remote job's result, which names the resources `mutate` adds), once the
   * fence is seen to hold (on PostgreSQL the row stays locked until the commit).
   */
  async end(
    job: JobRef,
    fence: Fence,
    mutate: (op: AsyncOperation) => void,
    queue: QueueChange,
    alsoCommit?: (uow: UnitOfWork) => Promise<void>,
    first?: (uow: UnitOfWork) => Promise<void>,
  ): Promise<{ op: AsyncOperation; failedParents: EndedParent[] } | undefined> {
    const ended = await this.#operations.repository.transaction(async (trx) => {
      const parentId = await this.#lockParentOf(trx, job.id);
      if (first) {
        const held = trx.selectFrom("async_operations").select("id").where("id", "=", job.id).where(fenceSql(fence));
        if (!(await (this.#dialect === "postgres" ? held.forUpdate() : held).executeTakeFirst())) return undefined;
        await first(trx);
      }
      const op = await this.write(job, fence, mutate, queue, trx);
      if (!op) return undefined;
      await alsoCommit?.(trx);
      const endedParents: EndedParent[] = [];
      // A parent that waits ends when its last child is done; one that is about to wait checks at once.
      if (queue.queue_state === "waiting") await this.#settle(trx, job.customerId, job.id, endedParents);
      else if (queue.queue_state === "done" && parentId) await this.#settle(trx, job.customerId, parentId, endedParents);
      await this.#undoParents(endedParents, trx);
      this.#crash.hit("before-completion-commit");
      return { op, endedParents };
    });
    if (!ended) return undefined;
    this.#crash.hit("after-completion-commit");
    await this.#recordParents(ended.endedParents);
    return { op: ended.op, failedParents: ended.endedParents.filter((p) => !p.succeeded) };
  }

  /**
   * A claimed job that follows another operation (`after`) which did not succeed ends CANCELLED,
   * naming it, without running. True when it was cancelled (or the fence no longer holds).
   */
  async cancelIfAfterFailed(job: JobRef & { after: string | null }, fence: Fence): Promise<boolean> {
    if (job.after === null) return false;
    const before = await this.#operations.repository.get<AsyncOperation>(job.customerId, job.after);
    if (before?.state === "SUCCEEDED") return false;
    const reason = before
      ? `not run: '${before.name}' (${before.id}) ended ${before.state}${before.error ? `: ${before.error.error}` : ""}`
      : `not run: the operation it follows (${job.after}) no longer exists`;
    await this.end(job, fence, (op) => markCancelled(op, reason), { queue_state: "done", ...RELEASED });
    return true;
  }

  /** Renews the lease inside `trx` (the fenced side-effect transaction); false if it is lost. */
  async renewIn(trx: Db, id: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.#operations.repository.clock.now();
    const r = await trx
      .updateTable("async_operations")
      .set({ lease_until: now + leaseMs })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("queue_state", "=", "running")
      .where("lease_until", ">=", now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Settles waiting parents the completions missed (e.g. children ended by a process that then
   * died before settling) and refreshes their derived progress; a parent ended FAILED is undone
   * in the transaction that ends it. Returns the parents ended FAILED.
   */
  async refreshWaiting(): Promise<FailedParent[]> {
    const waiting = await this.#db.selectFrom("async_operations").select(["id", "customer_id"]).where("queue_state", "=", "waiting").limit(100).execute();
    const failed: FailedParent[] = [];
    for (const parent of waiting) {
      const ended = await this.#operations.repository.transaction(async (trx) => {
        const settled: EndedParent[] = [];
        await this.#settle(trx, parent.customer_id, parent.id, settled);
        await this.#undoParents(settled, trx);
        return settled;
      });
      await this.#recordParents(ended);
      failed.push(...ended.filter((p) => !p.succeeded));
    }
    return failed;
  }

  /** Locks the parent row of `id` (PostgreSQL), so sibling completions serialise on it; its id. */
  async #lockParentOf(trx: Db, id: string): Promise<string | null> {
    const row = await trx.selectFrom("async_operations").select("parent_id").where("id", "=", id).executeTakeFirst();
    const parentId = row?.parent_id ?? null;
    if (parentId && this.#dialect === "postgres") await trx.selectFrom("async_operations").select("id").where("id", "=", parentId).forUpdate().execute();
    return parentId;
  }

  /** Ends a waiting parent whose children are all done (or updates its progress: their mean). */
  async #settle(trx: Db, customerId: string, parentId: string, endedParents: EndedParent[]): Promise<void> {
    const grandparent = await this.#lockParentOf(trx, parentId);
    const parent = await trx.selectFrom("async_operations").select(["queue_state", "job_type", "job_payload"]).where("id", "=", parentId).executeTakeFirst();
    if (parent?.queue_state !== "waiting") return;
    const stats = await trx
      .selectFrom("async_operations")
      .select([sql<number>`sum(case when queue_state <> 'done' then 1 else 0 end)`.as("open"), sql<number>`avg(progress_percent)`.as("mean")])
      .where("customer_id", "=", customerId)
      .where("parent_id", "=", parentId)
      .executeTakeFirst();
    if (Number(stats?.open ?? 0) > 0) {
      await this.progress(parentId, { waiting: true }, Number(stats?.mean ?? 0), trx);
      return;
    }
    const failedChild = await trx
      .selectFrom("async_operations")
      .select("id")
      .where("customer_id", "=", customerId)
      .where("parent_id", "=", parentId)
      .where("state", "in", FAILED_STATES)
      .orderBy("updated_at")
      .limit(1)
      .executeTakeFirst();
    const child = failedChild ? await this.#operations.repository.get<AsyncOperation>(customerId, failedChild.id, trx) : undefined;
    const reason = child ? `child operation '${child.name}' (${child.id}) ended ${child.state}${child.error ? `: ${child.error.error}` : ""}` : "";
    const ref = { id: parentId, customerId };
    const ended = await this.write(ref, { waiting: true }, (op) => (child ? markFailed(op, reason, "CHILD_OPERATION_FAILED") : markSucceeded(op)), { queue_state: "done", ...RELEASED }, trx);
    if (ended) endedParents.push({ ...ref, jobType: parent.job_type, payload: parent.job_payload === null ? null : JSON.parse(parent.job_payload), reason, succeeded: !child });
    if (ended && grandparent) await this.#settle(trx, customerId, grandparent, endedParents);
  }
}
