// API clients (OAuth2 client-credentials principals). Each belongs to one workspace, whose id is
// the customerId of everything it creates, and has one role.
//
// Who may put a client into which workspace: an API admin only into its own workspace or into a
// brand-new one whose id the server generates; the installation's operator (the CLI, on the
// server's own database) into any. A workspace id is never handed out twice: the `workspaces`
// table remembers every workspace ever created, and an id that owns any row is never "new".
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Principal, Role } from "../auth/tokens.ts";
import { hashSecret, newSecret, verifyAgainstDummy, verifySecret } from "../auth/secret-hash.ts";
import type { Database } from "../db/database.ts";
import type { ApiClientRow } from "../db/tables.ts";
import { tenantTables, workspaceOwnsRows } from "../db/tenant-tables.ts";
import { AppError } from "../domain/app-error.ts";
import { checkName } from "../domain/names.ts";

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

export interface CreateClientInput {
  name: string;
  role: Role;
  workspaceId?: string;
  clientId?: string;
  clientSecret?: string;
}

const view = (r: ApiClientRow): ApiClientView => ({
  id: r.id,
  clientId: r.client_id,
  name: r.name,
  role: r.role as Role,
  workspaceId: r.customer_id,
  createdAt: r.created_at,
});

/** The same answer for every workspace that is not the caller's: whether it exists is not told. */
const FOREIGN_WORKSPACE =
  "an API client can be created only in your own workspace or in a new one (\"newWorkspace\": true); the installation's operator adds clients to other workspaces (obr clients create --workspace)";

interface Alive {
  until: number;
  role: Role;
}

export class ApiClientService {
  readonly #database: Database;
  // Short-lived cache of "this client still exists, with this role" so that a deleted client's
  // tokens stop working, and a changed role applies, within seconds without a read per request.
  readonly #alive = new Map<string, Alive>();
  #tenantTables: Promise<string[]> | undefined;

  constructor(database: Database) {
    this.#database = database;
  }

  /**
   * Operator's create (CLI, first start, tests): into `workspaceId` whatever it is, or into a new
   * workspace with a generated id when none is given.
   */
  async create(input: CreateClientInput): Promise<NewApiClient> {
    checkName(input.name);
    const secret = input.clientSecret ?? newSecret();
    const secretHash = await hashSecret(secret);
    const workspaceId = input.workspaceId ?? (await this.openWorkspace(randomUUID()));
    const row: ApiClientRow = {
      id: randomUUID(),
      customer_id: workspaceId,
      client_id: input.clientId ?? randomUUID(),
      secret_hash: secretHash,
      name: input.name,
      role: input.role,
      created_at: new Date().toISOString(),
    };
    await this.#database.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom("api_clients").select("id").where("client_id", "=", row.client_id).executeTakeFirst();
      if (taken) throw AppError.conflict(`client id '${row.client_id}' already exists`);
      await trx.insertInto("workspaces").values({ id: workspaceId, created_at: row.created_at }).onConflict((oc) => oc.column("id").doNothing()).execute();
      await trx.insertInto("api_clients").values(row).execute();
    });
    return { ...view(row), clientSecret: secret };
  }

  /** An admin's create through the API: its own workspace, or a new one; never another. */
  async createFor(actor: Principal, input: { name: string; role: Role; workspaceId?: string; newWorkspace?: boolean }): Promise<NewApiClient> {
    if (input.newWorkspace) {
      if (input.workspaceId !== undefined) throw AppError.badRequest("give either workspaceId or newWorkspace, not both");
      return this.create({ name: input.name, role: input.role });
    }
    if (input.workspaceId !== undefined && input.workspaceId !== actor.customerId) throw AppError.forbidden(FOREIGN_WORKSPACE);
    return this.create({ name: input.name, role: input.role, workspaceId: actor.customerId });
  }

  /**
   * Records a new workspace. Refused (409) for an id that was ever a workspace or that owns any
   * row in any resource table, so an orphaned workspace can never be claimed as new.
   */
  async openWorkspace(workspaceId: string): Promise<string> {
    this.#tenantTables ??= tenantTables(this.#database.db, this.#database.dialect);
    const tables = await this.#tenantTables;
    await this.#database.db.transaction().execute(async (trx) => {
      const known = await trx.selectFrom("workspaces").select("id").where("id", "=", workspaceId).executeTakeFirst();
      if (known || (await workspaceOwnsRows(trx, tables, workspaceId))) throw AppError.conflict(`workspace '${workspaceId}' is not new`);
      await trx.insertInto("workspaces").values({ id: workspaceId, created_at: new Date().toISOString() }).execute();
    });
    return workspaceId;
  }

  /** The first workspace of the installation (the bootstrap admin's), if any. */
  async firstWorkspace(): Promise<string | undefined> {
    const db = this.#database.db;
    const admin = await db.selectFrom("api_clients").select("customer_id").where("role", "=", "admin").orderBy("created_at").orderBy("id").limit(1).executeTakeFirst();
    if (admin) return admin.customer_id;
    return (await db.selectFrom("workspaces").select("id").orderBy("created_at").orderBy("id").limit(1).executeTakeFirst())?.id;
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

  /** A new secret for a client (by id or client_id), shown once; the old one stops working. */
  async rotate(id: string, workspaceId?: string): Promise<NewApiClient> {
    const secret = newSecret();
    const row = await this.#change(id, workspaceId, { secret_hash: await hashSecret(secret) });
    return { ...view(row), clientSecret: secret };
  }

  /** Changes a client's role; its existing tokens carry the new role within seconds. */
  async setRole(id: string, role: Role, workspaceId?: string): Promise<ApiClientView> {
    return view(await this.#change(id, workspaceId, { role }));
  }

  async #change(id: string, workspaceId: string | undefined, set: Partial<Pick<ApiClientRow, "secret_hash" | "role">>): Promise<ApiClientRow> {
    let q = this.#database.db.updateTable("api_clients").set(set).where((eb) => eb.or([eb("id", "=", id), eb("client_id", "=", id)]));
    if (workspaceId !== undefined) q = q.where("customer_id", "=", workspaceId);
    const result = await q.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw AppError.notFound(`API client '${id}' not found`);
    this.#alive.clear();
    const row = await this.#database.db.selectFrom("api_clients").selectAll().where((eb) => eb.or([eb("id", "=", id), eb("client_id", "=", id)])).executeTakeFirstOrThrow();
    return row;
  }

  /**
   * Checks client credentials; undefined when they do not match (the caller answers 401). An
   * unknown client id costs the same scrypt work as a wrong secret, so neither the answer nor its
   * time tells whether the id exists.
   */
  async authenticate(clientId: string, clientSecret: string): Promise<Principal | undefined> {
    const row = await this.#database.db.selectFrom("api_clients").selectAll().where("client_id", "=", clientId).executeTakeFirst();
    if (!row) {
      await verifyAgainstDummy(clientSecret);
      return undefined;
    }
    if (!(await verifySecret(clientSecret, row.secret_hash))) return undefined;
    return { id: row.id, clientId: row.client_id, customerId: row.customer_id, role: row.role as Role };
  }

  /** The role of a client found to exist within the last few seconds: no database read. */
  cachedRole(id: string): Role | undefined {
    const alive = this.#alive.get(id);
    return alive !== undefined && alive.until > Date.now() ? alive.role : undefined;
  }

  /** The client's current role, or undefined when it no longer exists. */
  async currentRole(id: string): Promise<Role | undefined> {
    const cached = this.cachedRole(id);
    if (cached) return cached;
    const now = Date.now();
    const row = await this.#database.db.selectFrom("api_clients").select("role").where("id", "=", id).executeTakeFirst();
    if (!row) return undefined;
    if (this.#alive.size > 10_000) this.#alive.clear();
    const role = row.role as Role;
    this.#alive.set(id, { until: now + 5_000, role });
    return role;
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
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, "credentials.json");
    const body = { clientId: created.clientId, clientSecret: created.clientSecret, workspaceId: created.workspaceId, role: created.role };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flush: true });
    return created;
  }
}
