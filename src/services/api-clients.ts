// API clients (OAuth2 client-credentials principals). Each belongs to one workspace, whose id is
// the customerId of everything it creates, and has one role.
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Principal, Role } from "../auth/tokens.ts";
import { hashSecret, newSecret, verifySecret } from "../auth/secret-hash.ts";
import type { Database } from "../db/database.ts";
import type { ApiClientRow } from "../db/tables.ts";
import { AppError } from "../domain/app-error.ts";

export interface ApiClientView {
  id: string;
  clientId: string;
  name: string;
  role: Role;
  workspaceId: string;
  createdAt: string;
}

export interface NewApiClient extends ApiClientView {
  /** Shown once, never stored. */
  clientSecret: string;
}

const view = (r: ApiClientRow): ApiClientView => ({
  id: r.id,
  clientId: r.client_id,
  name: r.name,
  role: r.role as Role,
  workspaceId: r.customer_id,
  createdAt: r.created_at,
});

export class ApiClientService {
  readonly #database: Database;
  // Short-lived cache of "this client still exists" so a deleted client's tokens stop working
  // within seconds without a database read on every request.
  readonly #alive = new Map<string, number>();

  constructor(database: Database) {
    this.#database = database;
  }

  async create(input: { name: string; role: Role; workspaceId?: string; clientId?: string; clientSecret?: string }): Promise<NewApiClient> {
    const secret = input.clientSecret ?? newSecret();
    const row: ApiClientRow = {
      id: randomUUID(),
      customer_id: input.workspaceId ?? randomUUID(),
      client_id: input.clientId ?? randomUUID(),
      secret_hash: await hashSecret(secret),
      name: input.name,
      role: input.role,
      created_at: new Date().toISOString(),
    };
    const taken = await this.#database.db.selectFrom("api_clients").select("id").where("client_id", "=", row.client_id).executeTakeFirst();
    if (taken) throw AppError.conflict(`client id '${row.client_id}' already exists`);
    await this.#database.db.insertInto("api_clients").values(row).execute();
    return { ...view(row), clientSecret: secret };
  }

  async workspaceExists(workspaceId: string): Promise<boolean> {
    const row = await this.#database.db.selectFrom("api_clients").select("id").where("customer_id", "=", workspaceId).executeTakeFirst();
    return row !== undefined;
  }

  async list(workspaceId?: string): Promise<ApiClientView[]> {
    let q = this.#database.db.selectFrom("api_clients").selectAll().orderBy("created_at").orderBy("id");
    if (workspaceId !== undefined) q = q.where("customer_id", "=", workspaceId);
    return (await q.execute()).map(view);
  }

  async delete(id: string, workspaceId?: string): Promise<void> {
    let q = this.#database.db.deleteFrom("api_clients").where((eb) => eb.or([eb("id", "=", id), eb("client_id", "=", id)]));
    if (workspaceId !== undefined) q = q.where("customer_id", "=", workspaceId);
    const result = await q.executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw AppError.notFound(`API client '${id}' not found`);
    this.#alive.clear();
  }

  /** Checks client credentials; undefined when they do not match (the caller answers 401). */
  async authenticate(clientId: string, clientSecret: string): Promise<Principal | undefined> {
    const row = await this.#database.db.selectFrom("api_clients").selectAll().where("client_id", "=", clientId).executeTakeFirst();
    if (!row || !(await verifySecret(clientSecret, row.secret_hash))) return undefined;
    return { id: row.id, clientId: row.client_id, customerId: row.customer_id, role: row.role as Role };
  }

  /** True when the client was found to exist within the last few seconds: no database read. */
  recentlySeen(id: string): boolean {
    const until = this.#alive.get(id);
    return until !== undefined && until > Date.now();
  }

  async exists(id: string): Promise<boolean> {
    if (this.recentlySeen(id)) return true;
    const now = Date.now();
    const row = await this.#database.db.selectFrom("api_clients").select("id").where("id", "=", id).executeTakeFirst();
    if (!row) return false;
    if (this.#alive.size > 10_000) this.#alive.clear();
    this.#alive.set(id, now + 5_000);
    return true;
  }

  /**
   * First start: make sure an admin client exists. With OBR_CLIENT_ID/OBR_CLIENT_SECRET set, that
   * client is created (or its secret refreshed); otherwise one is generated, its secret printed once
   * and written to <data dir>/credentials.json (0600). Returns the created client, if any.
   */
  async bootstrap(dataDir: string, clientId?: string, clientSecret?: string): Promise<NewApiClient | undefined> {
    if (clientId && clientSecret) {
      const row = await this.#database.db.selectFrom("api_clients").selectAll().where("client_id", "=", clientId).executeTakeFirst();
      if (row) {
        if (!(await verifySecret(clientSecret, row.secret_hash))) {
          await this.#database.db.updateTable("api_clients").set({ secret_hash: await hashSecret(clientSecret) }).where("id", "=", row.id).execute();
        }
        return undefined;
      }
      return this.create({ name: "bootstrap admin", role: "admin", clientId, clientSecret });
    }
    const any = await this.#database.db.selectFrom("api_clients").select("id").limit(1).executeTakeFirst();
    if (any) return undefined;
    const created = await this.create({ name: "bootstrap admin", role: "admin" });
    await mkdir(dataDir, { recursive: true });
    const file = join(dataDir, "credentials.json");
    const body = { clientId: created.clientId, clientSecret: created.clientSecret, workspaceId: created.workspaceId, role: created.role };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flush: true });
    return created;
  }
}
