// The durable job queue over async_operations rows: one code path for both databases. A claim is
// one atomic UPDATE ... RETURNING (FOR UPDATE SKIP LOCKED on PostgreSQL); a lease that is not
// renewed expires, and its job is recovered by any worker.
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/database.ts";
import type { Tables } from "../db/tables.ts";

export interface ClaimedJob {
  id: string;
  customerId: string;
  jobType: string;
  payload: unknown;
  attempts: number;
}

interface ClaimRow {
  id: string;
  customer_id: string;
  job_type: string;
  job_payload: string | null;
  attempts: number;
}

export class JobQueue {
  readonly #db: Kysely<Tables>;
  readonly #dialect: Database["dialect"];

  constructor(database: Database) {
    this.#db = database.db;
    this.#dialect = database.dialect;
  }

  async claim(owner: string, leaseMs: number, now = Date.now()): Promise<ClaimedJob | undefined> {
    const lock = this.#dialect === "postgres" ? sql`for update skip locked` : sql``;
    const result = await sql<ClaimRow>`
      update async_operations
         set queue_state = 'running', lease_owner = ${owner}, lease_until = ${now + leaseMs}, attempts = attempts + 1
       where id = (select id from async_operations
                    where queue_state = 'queued' and run_after <= ${now}
                    order by run_after, id limit 1 ${lock})
         and queue_state = 'queued'
      returning id, customer_id, job_type, job_payload, attempts`.execute(this.#db);
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      customerId: row.customer_id,
      jobType: row.job_type,
      payload: row.job_payload === null ? null : JSON.parse(row.job_payload),
      attempts: Number(row.attempts),
    };
  }

  /** Extends the lease; false when this owner lost it (another worker recovered the job). */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const r = await this.#db
      .updateTable("async_operations")
      .set({ lease_until: Date.now() + leaseMs })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .where("queue_state", "=", "running")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async finish(id: string, owner: string): Promise<void> {
    await this.#db
      .updateTable("async_operations")
      .set({ queue_state: "done", lease_owner: null, lease_until: null })
      .where("id", "=", id)
      .where("lease_owner", "=", owner)
      .execute();
  }

  /** Puts a job back in the queue (retry or resume after a crash). */
  async requeue(id: string, runAfter: number): Promise<void> {
    await this.#db
      .updateTable("async_operations")
      .set({ queue_state: "queued", lease_owner: null, lease_until: null, run_after: runAfter })
      .where("id", "=", id)
      .execute();
  }

  /** Jobs whose lease ran out: their worker died (crash, kill, restart). */
  async expired(now = Date.now()): Promise<{ id: string; customerId: string; jobType: string; attempts: number }[]> {
    const rows = await this.#db
      .selectFrom("async_operations")
      .select(["id", "customer_id", "job_type", "attempts"])
      .where("queue_state", "=", "running")
      .where("lease_until", "<", now)
      .limit(100)
      .execute();
    return rows.map((r) => ({ id: r.id, customerId: r.customer_id, jobType: r.job_type ?? "", attempts: Number(r.attempts) }));
  }

  /** Marks an orphaned job done without running it (the caller records why on the operation). */
  async abandon(id: string): Promise<boolean> {
    const r = await this.#db
      .updateTable("async_operations")
      .set({ queue_state: "done", lease_owner: null, lease_until: null })
      .where("id", "=", id)
      .where("queue_state", "=", "running")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
