// The storage_system_secrets table (migration 009): one value per (tenant, owner, kind).
import type { Kysely } from "kysely";
import type { UnitOfWork } from "../services/async-operations.ts";
import type { SecretKind, StorageSystemSecrets } from "../services/infrastructure/storage-system-secrets.ts";
import type { Database } from "./database.ts";
import type { Tables } from "./tables.ts";

export class SecretTable implements StorageSystemSecrets {
  readonly #db: Kysely<Tables>;

  constructor(database: Database) {
    this.#db = database.db;
  }

  async put(customerId: string, ownerId: string, kind: SecretKind, value: string, uow?: UnitOfWork): Promise<void> {
    const db: Kysely<Tables> = uow ?? this.#db;
    const updatedAt = new Date().toISOString();
    await db
      .insertInto("storage_system_secrets")
      .values({ customer_id: customerId, owner_id: ownerId, kind, value, updated_at: updatedAt })
      .onConflict((oc) => oc.columns(["customer_id", "owner_id", "kind"]).doUpdateSet({ value, updated_at: updatedAt }))
      .execute();
  }

  async get(customerId: string, ownerId: string, kind: SecretKind): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom("storage_system_secrets")
      .select("value")
      .where("customer_id", "=", customerId)
      .where("owner_id", "=", ownerId)
      .where("kind", "=", kind)
      .executeTakeFirst();
    return row?.value;
  }

  async removeAll(customerId: string, ownerId: string, uow?: UnitOfWork): Promise<void> {
    const db: Kysely<Tables> = uow ?? this.#db;
    await db.deleteFrom("storage_system_secrets").where("customer_id", "=", customerId).where("owner_id", "=", ownerId).execute();
  }
}
