// The scheduler's rows on SQLite and PostgreSQL (migration 011), behind the services' port.
import type { Kysely } from "kysely";
import type { ScheduleRule } from "../domain/schedule-slots.ts";
import type { ProtectionScheduleStore, ScheduleClaim, ScheduleRow } from "../services/ports/protection-schedules.ts";
import type { Database } from "./database.ts";
import type { ProtectionScheduleRow, Tables } from "./tables.ts";

type Db = Kysely<Tables>;

function fromRow(r: ProtectionScheduleRow): ScheduleRow {
  return {
    customerId: r.customer_id,
    jobId: r.protection_job_id,
    scheduleId: Number(r.schedule_id),
    rule: JSON.parse(r.rule) as ScheduleRule,
    timeZone: r.time_zone,
    anchorAt: Number(r.anchor_at),
    nextFireAt: r.next_fire_at === null ? null : Number(r.next_fire_at),
    suspended: Number(r.suspended) === 1,
    lastSlot: r.last_slot === null ? null : Number(r.last_slot),
    lastOperationId: r.last_operation_id,
  };
}

function toRow(s: ScheduleRow): ProtectionScheduleRow {
  return {
    customer_id: s.customerId,
    protection_job_id: s.jobId,
    schedule_id: s.scheduleId,
    rule: JSON.stringify(s.rule),
    time_zone: s.timeZone,
    anchor_at: s.anchorAt,
    next_fire_at: s.nextFireAt,
    suspended: s.suspended ? 1 : 0,
    last_slot: s.lastSlot,
    last_operation_id: s.lastOperationId,
  };
}

export class SqlProtectionSchedules implements ProtectionScheduleStore {
  readonly #db: Db;

  constructor(database: Database) {
    this.#db = database.db;
  }

  async due(now: number, limit: number): Promise<ScheduleRow[]> {
    const rows = await this.#db
      .selectFrom("protection_schedules")
      .selectAll()
      .where("suspended", "=", 0)
      .where("next_fire_at", "<=", now)
      .orderBy("next_fire_at")
      .orderBy("schedule_id")
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  async earliest(): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom("protection_schedules")
      .select("next_fire_at")
      .where("suspended", "=", 0)
      .where("next_fire_at", "is not", null)
      .orderBy("next_fire_at")
      .limit(1)
      .executeTakeFirst();
    return row?.next_fire_at == null ? undefined : Number(row.next_fire_at);
  }

  async ofJob(customerId: string, jobId: string, uow?: Db): Promise<ScheduleRow[]> {
    const rows = await (uow ?? this.#db)
      .selectFrom("protection_schedules")
      .selectAll()
      .where("customer_id", "=", customerId)
      .where("protection_job_id", "=", jobId)
      .orderBy("schedule_id")
      .execute();
    return rows.map(fromRow);
  }

  async insert(rows: readonly ScheduleRow[], uow: Db): Promise<void> {
    if (rows.length > 0) await uow.insertInto("protection_schedules").values(rows.map(toRow)).execute();
  }

  async save(rows: readonly ScheduleRow[], uow: Db): Promise<void> {
    for (const s of rows) {
      const { rule, time_zone, anchor_at, next_fire_at, suspended } = toRow(s);
      await uow
        .updateTable("protection_schedules")
        .set({ rule, time_zone, anchor_at, next_fire_at, suspended })
        .where("customer_id", "=", s.customerId)
        .where("protection_job_id", "=", s.jobId)
        .where("schedule_id", "=", s.scheduleId)
        .execute();
    }
  }

  async claim(row: ScheduleRow, claim: ScheduleClaim, uow: Db): Promise<boolean> {
    const r = await uow
      .updateTable("protection_schedules")
      .set({ next_fire_at: claim.next, last_slot: claim.slot })
      .where("customer_id", "=", row.customerId)
      .where("protection_job_id", "=", row.jobId)
      .where("schedule_id", "=", row.scheduleId)
      .where("suspended", "=", 0)
      .where("next_fire_at", "=", claim.expectedNext)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setLastOperation(customerId: string, jobId: string, scheduleIds: readonly number[], operationId: string, uow: Db): Promise<void> {
    if (scheduleIds.length === 0) return;
    await uow
      .updateTable("protection_schedules")
      .set({ last_operation_id: operationId })
      .where("customer_id", "=", customerId)
      .where("protection_job_id", "=", jobId)
      .where("schedule_id", "in", [...scheduleIds])
      .execute();
  }

  async remove(customerId: string, jobId: string, scheduleIds: readonly number[] | "all", uow: Db): Promise<void> {
    let q = uow.deleteFrom("protection_schedules").where("customer_id", "=", customerId).where("protection_job_id", "=", jobId);
    if (scheduleIds !== "all") {
      if (scheduleIds.length === 0) return;
      q = q.where("schedule_id", "in", [...scheduleIds]);
    }
    await q.execute();
  }
}
