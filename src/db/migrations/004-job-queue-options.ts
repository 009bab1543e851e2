// Job options of the queue (graphile-worker's semantics over async_operations rows): a unique job
// key, a concurrency key, a target orchestrator, priority, a per-row attempt limit, the root of
// an operation tree (retention deletes a tree at once) and progress as a column (a parent's
// progress is the mean of its children's). Progress-only writes leave `generation` alone, and the
// collection version now moves only when the generation does, so a running job no longer
// invalidates every cached list page twice a second.
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.ts";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  for (const [column, type] of [
    ["job_key", "text"],
    ["concurrency_key", "text"],
    ["target", "text"],
    ["max_attempts", "integer"],
    ["root_id", "text"],
  ] as const) {
    await db.schema.alterTable("async_operations").addColumn(column, type).execute();
  }
  await db.schema.alterTable("async_operations").addColumn("priority", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("async_operations").addColumn("progress_percent", "integer", (c) => c.notNull().defaultTo(0)).execute();
  const rootOf = dialect === "postgres" ? sql`doc->'rootOperation'->>'id'` : sql`json_extract(doc, '$.rootOperation.id')`;
  const progressOf = dialect === "postgres" ? sql`(doc->>'progressPercent')::integer` : sql`json_extract(doc, '$.progressPercent')`;
  await sql`update async_operations set root_id = ${rootOf}, progress_percent = coalesce(${progressOf}, 0)`.execute(db);

  // One unfinished operation per key and tenant: a second enqueue finds the first.
  await sql`create unique index async_operations_job_key on async_operations (customer_id, job_key)
    where job_key is not null and queue_state <> 'done'`.execute(db);
  // At most one job per concurrency key holds it (running, or waiting for its children); the
  // claim skips the others, and this index settles two claimers racing on PostgreSQL.
  await sql`create unique index async_operations_concurrency_key on async_operations (customer_id, concurrency_key)
    where concurrency_key is not null and queue_state in ('running', 'waiting')`.execute(db);
  await sql`create index async_operations_claim on async_operations (queue_state, priority, run_after)`.execute(db);
  await sql`create index async_operations_root on async_operations (root_id)`.execute(db);
  await sql`create index async_operations_parent_queue on async_operations (parent_id, queue_state)`.execute(db);

  if (dialect === "postgres") {
    await sql`drop trigger async_operations_version on async_operations`.execute(db);
    await sql`create trigger async_operations_version after insert or delete on async_operations
      for each row execute function obr_bump_collection_version()`.execute(db);
    await sql`create trigger async_operations_version_upd after update of doc on async_operations
      for each row when (old.generation is distinct from new.generation) execute function obr_bump_collection_version()`.execute(db);
    return;
  }
  await sql`drop trigger async_operations_version_upd`.execute(db);
  await sql`create trigger async_operations_version_upd after update of doc on async_operations
    when old.generation is not new.generation
    begin
      insert into collection_versions (table_name, customer_id, version) values ('async_operations', new.customer_id, 1)
        on conflict (table_name, customer_id) do update set version = version + 1;
    end`.execute(db);
}
