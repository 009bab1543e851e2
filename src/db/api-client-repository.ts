// ApiClientRepository (src/services/ports/api-client-repository.ts) on the api_clients and
// workspaces tables. A role read back that is not one the server knows is refused loudly rather
// than trusted: only this server writes the column.
import type { ExpressionBuilder } from "kysely";
import { ROLES, type Role } from "../domain/actor.ts";
import type { ApiClientRecord, ApiClientRepository } from "../services/ports/api-client-repository.ts";
import type { Database } from "./database.ts";
import type { ApiClientRow, Tables } from "./tables.ts";
import { tenantTables, workspaceOwnsRows } from "./tenant-tables.ts";

function roleOf(value: string): Role {
  const role = ROLES.find((r) => r === value);
  if (role === undefined) throw new Error(`api_clients holds an unknown role '${value}'`);
  return role;
}

const record = (r: ApiClientRow): ApiClientRecord => ({
  id: r.id,
  workspaceId: r.customer_id,
  clientId: r.client_id,
  secretHash: r.secret_hash,
  name: r.name,
  role: roleOf(r.role),
  createdAt: r.created_at,
});

const byIdOrClientId = (id: string) => (eb: ExpressionBuilder<Tables, "api_clients">) => eb.or([eb("id", "=", id), eb("client_id", "=", id)]);

export class SqlApiClientRepository implements ApiClientRepository {
  readonly #database: Database;
  #tenantTables: Promise<string[]> | undefined;

  constructor(database: Database) {
    this.#database = database;
  }

  async insert(c: ApiClientRecord): Promise<boolean> {
    return this.#database.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom("api_clients").select("id").where("client_id", "=", c.clientId).executeTakeFirst();
      if (taken) return false;
      await trx.insertInto("workspaces").values({ id: c.workspaceId, created_at: c.createdAt }).onConflict((oc) => oc.column("id").doNothing()).execute();
      await trx
        .insertInto("api_clients")
        .values({ id: c.id, customer_id: c.workspaceId, client_id: c.clientId, secret_hash: c.secretHash, name: c.name, role: c.role, created_at: c.createdAt })
        .execute();
      return true;
    });
  }

  async openWorkspace(workspaceId: string, createdAt: string): Promise<boolean> {
    this.#tenantTables ??= tenantTables(this.#database.db, this.#database.dialect);
    const tables = await this.#tenantTables;
    return this.#database.db.transaction().execute(async (trx) => {
      const known = await trx.selectFrom("workspaces").select("id").where("id", "=", workspaceId).executeTakeFirst();
      if (known || (await workspaceOwnsRows(trx, tables, workspaceId))) return false;
      await trx.insertInto("workspaces").values({ id: workspaceId, created_at: createdAt }).execute();
      return true;
    });
  }

  async firstWorkspace(): Promise<string | undefined> {
    const db = this.#database.db;
    const admin = await db.selectFrom("api_clients").select("customer_id").where("role", "=", "admin").orderBy("created_at").orderBy("id").limit(1).executeTakeFirst();
    if (admin) return admin.customer_id;
    return (await db.selectFrom("workspaces").select("id").orderBy("created_at").orderBy("id").limit(1).executeTakeFirst())?.id;
  }

  async list(workspaceId?: string): Promise<ApiClientRecord[]> {
    let q = this.#database.db.selectFrom("api_clients").selectAll().orderBy("created_at").orderBy("id");
    if (workspaceId !== undefined) q = q.where("customer_id", "=", workspaceId);
    return (await q.execute()).map(record);
  }

  async delete(idOrClientId: string, workspaceId?: string): Promise<boolean> {
    let q = this.#database.db.deleteFrom("api_clients").where(byIdOrClientId(idOrClientId));
    if (workspaceId !== undefined) q = q.where("customer_id", "=", workspaceId);
    return Number((await q.executeTakeFirst()).numDeletedRows) > 0;
  }

  async update(idOrClientId: string, workspaceId: string | undefined, set: { secretHash?: string; role?: Role }): Promise<ApiClientRecord | undefined> {
    return this.#database.db.transaction().execute(async (trx) => {
      let q = trx
        .updateTable("api_clients")
        .set({ ...(set.secretHash !== undefined ? { secret_hash: set.secretHash } : {}), ...(set.role !== undefined ? { role: set.role } : {}) })
        .where(byIdOrClientId(idOrClientId));
      if (workspaceId !== undefined) q = q.where("customer_id", "=", workspaceId);
      if (Number((await q.executeTakeFirst()).numUpdatedRows) === 0) return undefined;
      return record(await trx.selectFrom("api_clients").selectAll().where(byIdOrClientId(idOrClientId)).executeTakeFirstOrThrow());
    });
  }

  async byClientId(clientId: string): Promise<ApiClientRecord | undefined> {
    const row = await this.#database.db.selectFrom("api_clients").selectAll().where("client_id", "=", clientId).executeTakeFirst();
    return row && record(row);
  }

  async roleOf(id: string): Promise<Role | undefined> {
    const row = await this.#database.db.selectFrom("api_clients").select("role").where("id", "=", id).executeTakeFirst();
    return row && roleOf(row.role);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.#database.db.selectFrom("api_clients").select("id").limit(1).executeTakeFirst()) === undefined;
  }
}
