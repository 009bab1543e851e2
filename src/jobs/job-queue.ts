// The durable job queue over async_operations rows: one code path for both databases. A claim is
// one atomic UPDATE ... RETURNING (FOR UPDATE SKIP LOCKED on PostgreSQL) of the best due job this
// worker may run: its target is null or one of the worker's, no other job holds its concurrency
// key, the operation it follows (if any) is done, highest priority first. A lease that is not renewed expires; recovery (job-writes.ts) is a
// compare-and-set on the expired lease, so one recoverer wins.
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../db/database.ts";
import type { Tables } from "../db/tables.ts";
import { type Clock, systemClock } from "../domain/clock.ts";
import type { JobCount } from "../services/metrics.ts";

export interface ClaimedJob {
  id: string;
  customerId: string;
  jobType: string;
  payload: unknown;
  attempts: number;
  /** The row's own attempt limit, if it overrides the job type's. */
  maxAttempts: number | null;
  /** The operation this job follows in a sequence (done before it was claimed), if any. */
  after: string | null;
}

/** A running job whose lease ran out, as seen: recovery compares owner and lease_until. */
export interface ExpiredJob extends ClaimedJob {
  leaseOwner: string;
  leaseUntil: number;
}

interface JobRow {
  id: string;
  customer_id: string;
  job_type: string | null;
  job_payload: string | null;
  attempts: number;
  max_attempts: number | null;
  after_id: string | null;
}

const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"];
const SWEEP_BATCH = 500;

function toJob(row: JobRow): ClaimedJob {
  return {
    id: row.id,
    customerId: row.customer_id,
    jobType: row.job_type ?? "",
    payload: row.job_payload === null ? null : JSON.parse(row.job_payload),
    attempts: Number(row.attempts),
    maxAttempts: row.max_attempts === null ? null : Number(row.max_attempts),
    after: row.after_id ?? null,
  };
}

/** A unique index refused the write (two claimers raced for one concurrency key). */
function isUniqueViolation(err: unknown): boolean {
  const code = err !== null && typeof err === "object" && "code" in err ? err.code : undefined;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505";
}

export class JobQueue {
  readonly #db: Kysely<Tables>;
  readonly #dialect: Database["dialect"];
  /** Due times, leases and retention are read on this clock (the control plane's one clock). */
  readonly clock: Clock;

  constructor(database: Database, clock: Clock = systemClock) {
    this.#db = database.db;
    this.#dialect = database.dialect;
    this.clock = clock;
  }

  /** The best due job for this worker, now leased to `owner`; `targets`: the orchestrators it serves. */
  claim(owner: string, leaseMs: number, targets: readonly string[] = [], now = this.clock.now()): Promise<ClaimedJob | undefined> {
    const target = targets.length > 0 ? sql<boolean>`(q.target is null or q.target in (${sql.join(targets)}))` : sql<boolean>`q.target is null`;
    return this.#claim(owner, leaseMs, target, now);
  }

  /** The best due job targeted at this one orchestrator (a separate process: it runs nothing else). */
  claimTargeted(owner: string, leaseMs: number, target: string, now = this.clock.now()): Promise<ClaimedJob | undefined> {
    return this.#claim(owner, leaseMs, sql<boolean>`q.target = ${target}`, now);
  }

  async #claim(owner: string, leaseMs: number, target: RawBuilder<boolean>, now: number): Promise<ClaimedJob | undefined> {
    const lock = this.#dialect === "postgres" ? sql`for update skip locked` : sql``;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await sql<JobRow>`
          update async_operations
             set queue_state = 'running', lease_owner = ${owner}, lease_until = ${now + leaseMs}, attempts = attempts + 1
           where id = (select q.id from async_operations q
                        where q.queue_state = 'queued' and q.run_after <= ${now} and ${target}
                          and (q.concurrency_key is null or not exists (
                                select 1 from async_operations r
                                 where r.customer_id = q.customer_id and r.concurrency_key = q.concurrency_key
                                   and r.queue_state in ('running', 'waiting')))
                          and (q.after_id is null or exists (
                                select 1 from async_operations p
                                 where p.customer_id = q.customer_id and p.id = q.after_id and p.queue_state = 'done'))
                        order by q.priority desc, q.run_after, q.id limit 1 ${lock})
             and queue_state = 'queued'
          returning id, customer_id, job_type, job_payload, attempts, max_attempts, after_id`.execute(this.#db);
        const row = result.rows[0];
        return row ? toJob(row) : undefined;
      } catch (err) {
        // Another worker took the same concurrency key in the meantime: look again, it is now seen.
        if (!isUniqueViolation(err) || attempt >= 2) throw err;
      }
    }
  }

  /** Extends the lease; false when this owner lost it (another worker recovered the job). */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const r = await this.#db
      .updateTable("async_operations")
      .set({ lease_until: this.clock.now() + leaseMs })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("queue_state", "=", "running")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The running job `id` if `owner` holds its lease (a separate orchestrator completing it). */
  async held(id: string, owner: string): Promise<ClaimedJob | undefined> {
    const row = await this.#db
      .selectFrom("async_operations")
      .select(["id", "customer_id", "job_type", "job_payload", "attempts", "max_attempts", "after_id"])
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("queue_state", "=", "running")
      .executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  /** Puts a job this owner holds back in the queue, to run after `runAfter` (epoch ms). */
  async requeue(id: string, owner: string, runAfter: number): Promise<boolean> {
    const r = await this.#db
      .updateTable("async_operations")
      .set({ queue_state: "queued", lease_owner: null, lease_until: null, run_after: runAfter })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("queue_state", "=", "running")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Queued jobs that follow (`after`) an operation that ended without succeeding: they will never
   * run. Cancelled by any worker, whatever their target, so a chain routed to an orchestrator that
   * is gone still ends.
   */
  async followersOfFailed(): Promise<ClaimedJob[]> {
    const rows = await this.#db
      .selectFrom("async_operations as q")
      .innerJoin("async_operations as p", (j) => j.onRef("p.id", "=", "q.after_id").onRef("p.customer_id", "=", "q.customer_id"))
      .select(["q.id", "q.customer_id", "q.job_type", "q.job_payload", "q.attempts", "q.max_attempts", "q.after_id"])
      .where("q.queue_state", "=", "queued")
      .where("p.queue_state", "=", "done")
      .where("p.state", "<>", "SUCCEEDED")
      .limit(100)
      .execute();
    return rows.map(toJob);
  }

  /** Jobs whose lease ran out: their worker died (crash, kill, restart) or stalled. */
  async expired(now = this.clock.now()): Promise<ExpiredJob[]> {
    const rows = await this.#db
      .selectFrom("async_operations")
      .select(["id", "customer_id", "job_type", "job_payload", "attempts", "max_attempts", "after_id", "lease_owner", "lease_until"])
      .where("queue_state", "=", "running")
      .where("lease_until", "<", now)
      .limit(100)
      .execute();
    return rows.map((r) => ({ ...toJob(r), leaseOwner: r.lease_owner ?? "", leaseUntil: Number(r.lease_until) }));
  }

  /**
   * Deletes finished operation trees whose root and every member last changed before `cutoffIso`
   * (retention). A tree goes at once: a child never outlives its root. Returns rows deleted.
   */
  async sweep(cutoffIso: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const roots = await this.#db
        .selectFrom("async_operations as r")
        .select("r.id")
        .where("r.parent_id", "is", null)
        .where("r.queue_state", "=", "done")
        .where("r.state", "in", TERMINAL)
        .where("r.updated_at", "<", cutoffIso)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("async_operations as c")
                .select("c.id")
                .whereRef("c.root_id", "=", "r.id")
                .where((eb) => eb.or([eb("c.queue_state", "<>", "done"), eb("c.updated_at", ">=", cutoffIso)])),
            ),
          ),
        )
        .limit(SWEEP_BATCH)
        .execute();
      if (roots.length === 0) return deleted;
      const ids = roots.map((r) => r.id);
      const r = await this.#db
        .deleteFrom("async_operations")
        .where((eb) => eb.or([eb("id", "in", ids), eb("root_id", "in", ids)]))
        .executeTakeFirst();
      deleted += Number(r.numDeletedRows);
      if (roots.length < SWEEP_BATCH) return deleted;
    }
  }
  /** Jobs by type and queue state for GET /metrics; ended jobs count only when FAILED or TIMEDOUT ("failed"). */
  async counts(): Promise<JobCount[]> {
    const rows = await sql<{ job_type: string; s: string; n: number | string }>`
      select job_type, case when queue_state = 'done' then 'failed' else queue_state end as s, count(*) as n
        from async_operations
       where job_type is not null and (queue_state <> 'done' or state in ('FAILED', 'TIMEDOUT'))
       group by job_type, s`.execute(this.#db);
    return rows.rows.map((r) => ({ type: r.job_type, state: r.s, count: Number(r.n) }));
  }

}
