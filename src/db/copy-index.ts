// The copies' private columns and cross-document queries (the CopyIndex port) over the
// `snapshots` and `backups` tables of migration 012, for one asset kind (`asset_type`).
import type { Kysely } from "kysely";
import type { UnitOfWork } from "../services/ports/documents.ts";
import type { CopyIndex, CopyParts, CopyPrivate, CopyRef, NewCopyPrivate, NewestCriteria } from "../services/protection/copy-index.ts";
import type { CopyKind } from "../services/protection/copy-records.ts";
import type { Database } from "./database.ts";
import type { Tables } from "./tables.ts";

const KINDS: readonly CopyKind[] = ["snapshot", "backup"];

/** The kind's table, typed by the columns both tables have (backups has more). */
const common = (kind: CopyKind): "snapshots" => (kind === "snapshot" ? "snapshots" : ("backups" as "snapshots"));

export class CopyTables implements CopyIndex {
  readonly #db: Kysely<Tables>;
  readonly #assetType: string;

  constructor(database: Database, assetType: string) {
    this.#db = database.db;
    this.#assetType = assetType;
  }

  #on(uow: UnitOfWork | undefined): Kysely<Tables> {
    return uow ?? this.#db;
  }

  insertColumns(fields: NewCopyPrivate): Record<string, unknown> {
    return {
      origin_key: fields.originKey,
      protection_job_id: fields.protectionJobId,
      parts: JSON.stringify(fields.parts),
      ...(fields.sourceBackupId !== null ? { source_backup_id: fields.sourceBackupId } : {}),
    };
  }

  async privateOf(kind: CopyKind, customerId: string, id: string, uow?: UnitOfWork): Promise<CopyPrivate | undefined> {
    const row = await this.#on(uow)
      .selectFrom(common(kind))
      .select(["protection_job_id", "parts"])
      .where("customer_id", "=", customerId)
      .where("asset_type", "=", this.#assetType)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? { protectionJobId: row.protection_job_id, parts: parseParts(row.parts) } : undefined;
  }

  async idByOrigin(kind: CopyKind, customerId: string, originKey: string, uow?: UnitOfWork): Promise<string | undefined> {
    const row = await this.#on(uow)
      .selectFrom(common(kind))
      .select("id")
      .where("customer_id", "=", customerId)
      .where("origin_key", "=", originKey)
      .executeTakeFirst();
    return row?.id;
  }

  async newest(kind: CopyKind, customerId: string, assetId: string, where: NewestCriteria, uow?: UnitOfWork): Promise<string | undefined> {
    const db = this.#on(uow);
    if (kind === "snapshot" && (where.protectionStoreId !== undefined || where.backupType !== undefined)) return undefined; // snapshots live in no store
    let ids: string[];
    if (kind === "backup") {
      let q = db.selectFrom("backups").select("id").where("customer_id", "=", customerId).where("asset_type", "=", this.#assetType).where("asset_id", "=", assetId);
      q = q.where("state", "=", "OK").where("status", "<>", "ERROR");
      if (where.protectionJobId !== undefined) q = q.where("protection_job_id", "=", where.protectionJobId);
      if (where.scheduleId !== undefined) q = q.where("schedule_id", "=", where.scheduleId);
      if (where.protectionStoreId !== undefined) q = q.where("protection_store_id", "=", where.protectionStoreId);
      if (where.backupType !== undefined) q = q.where("backup_type", "=", where.backupType);
      ids = (await q.orderBy("point_in_time", "desc").orderBy("created_at", "desc").limit(1).execute()).map((r) => r.id);
    } else {
      let q = db.selectFrom("snapshots").select("id").where("customer_id", "=", customerId).where("asset_type", "=", this.#assetType).where("asset_id", "=", assetId);
      q = q.where("state", "=", "OK").where("status", "<>", "ERROR");
      if (where.protectionJobId !== undefined) q = q.where("protection_job_id", "=", where.protectionJobId);
      if (where.scheduleId !== undefined) q = q.where("schedule_id", "=", where.scheduleId);
      ids = (await q.orderBy("point_in_time", "desc").orderBy("created_at", "desc").limit(1).execute()).map((r) => r.id);
    }
    return ids[0];
  }

  async anyOf(customerId: string, assetId: string, uow?: UnitOfWork): Promise<boolean> {
    const db = this.#on(uow);
    for (const kind of KINDS) {
      const row = await db
        .selectFrom(common(kind))
        .select("id")
        .where("customer_id", "=", customerId)
        .where("asset_type", "=", this.#assetType)
        .where("asset_id", "=", assetId)
        .limit(1)
        .executeTakeFirst();
      if (row) return true;
    }
    return false;
  }

  async countInStore(customerId: string, storeId: string, nowIso: string, uow?: UnitOfWork): Promise<{ copies: number; locked: number }> {
    const rows = await this.#on(uow)
      .selectFrom("backups")
      .select("locked_until")
      .where("customer_id", "=", customerId)
      .where("protection_store_id", "=", storeId)
      .execute();
    return { copies: rows.length, locked: rows.filter((r) => r.locked_until !== null && r.locked_until > nowIso).length };
  }

  async partsInStore(customerId: string, storeId: string, uow?: UnitOfWork): Promise<CopyParts[]> {
    const rows = await this.#on(uow).selectFrom("backups").select("parts").where("customer_id", "=", customerId).where("protection_store_id", "=", storeId).execute();
    return rows.map((r) => parseParts(r.parts));
  }

  async idsInStore(customerId: string, storeId: string, uow?: UnitOfWork): Promise<CopyRef[]> {
    const rows = await this.#on(uow)
      .selectFrom("backups")
      .select(["id", "asset_id"])
      .where("customer_id", "=", customerId)
      .where("asset_type", "=", this.#assetType)
      .where("protection_store_id", "=", storeId)
      .execute();
    return rows.map((r) => ({ kind: "backup", customerId, id: r.id, assetId: r.asset_id }));
  }

  async expired(nowIso: string, limit: number): Promise<CopyRef[]> {
    const found: CopyRef[] = [];
    for (const kind of KINDS) {
      const rows = await this.#db
        .selectFrom(common(kind))
        .select(["id", "customer_id", "asset_id"])
        .where("asset_type", "=", this.#assetType)
        .where("expires_at", "<=", nowIso)
        .where("state", "=", "OK")
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", nowIso)]))
        .orderBy("expires_at")
        .limit(limit)
        .execute();
      for (const r of rows) found.push({ kind, customerId: r.customer_id, id: r.id, assetId: r.asset_id });
    }
    return found;
  }

  async unlinkSource(customerId: string, backupId: string, uow: UnitOfWork): Promise<void> {
    await this.#on(uow).updateTable("backups").set({ source_backup_id: null }).where("customer_id", "=", customerId).where("source_backup_id", "=", backupId).execute();
  }
}

function parseParts(text: string): CopyParts {
  return JSON.parse(text);
}
