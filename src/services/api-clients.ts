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
import { AppError } from "../domain/app-error.ts";
import { checkName } from "../domain/names.ts";
import type { ApiClientRecord, ApiClientRepository } from "./ports/api-client-repository.ts";

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

const view = (r: ApiClientRecord): ApiClientView => ({ id: r.id, clientId: r.clientId, name: r.name, role: r.role, workspaceId: r.workspaceId, createdAt: r.createdAt });

/** The same answer for every workspace that is not the caller's: whether it exists is not told. */
const FOREIGN_WORKSPACE =
  "an API client can be created only in your own workspace or in a new one (\"newWorkspace\": true); the installation's operator adds clients to other workspaces (obr clients create --workspace)";

interface Alive {
  until: number;
  role: Role;
}

export class ApiClientService {
  readonly #clients: ApiClientRepository;
  // Short-lived cache of "this client still exists, with this role" so that a deleted client's
  // tokens stop working, and a changed role applies, within seconds without a read per request.
  readonly #alive = new Map<string, Alive>();

  constructor(clients: ApiClientRepository) {
    this.#clients = clients;
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
    const row: ApiClientRecord = {
      id: randomUUID(),
      workspaceId,
      clientId: input.clientId ?? randomUUID(),
      secretHash,
      name: input.name,
      role: input.role,
      createdAt: new Date().toISOString(),
    };
    if (!(await this.#clients.insert(row))) throw AppError.conflict(`client id '${row.clientId}' already exists`);
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
    if (!(await this.#clients.openWorkspace(workspaceId, new Date().toISOString()))) throw AppError.conflict(`workspace '${workspaceId}' is not new`);
    return workspaceId;
  }

  /** The first workspace of the installation (the bootstrap admin's), if any. */
  firstWorkspace(): Promise<string | undefined> {
    return this.#clients.firstWorkspace();
  }

  async list(workspaceId?: string): Promise<ApiClientView[]> {
    return (await this.#clients.list(workspaceId)).map(view);
  }

  async delete(id: string, workspaceId?: string): Promise<void> {
    if (!(await this.#clients.delete(id, workspaceId))) throw AppError.notFound(`API client '${id}' not found`);
    this.#alive.clear();
  }

  /** A new secret for a client (by id or client_id), shown once; the old one stops working. */
  async rotate(id: string, workspaceId?: string): Promise<NewApiClient> {
    const secret = newSecret();
    const row = await this.#change(id, workspaceId, { secretHash: await hashSecret(secret) });
    return { ...view(row), clientSecret: secret };
  }

  /** Changes a client's role; its existing tokens carry the new role within seconds. */
  async setRole(id: string, role: Role, workspaceId?: string): Promise<ApiClientView> {
    return view(await this.#change(id, workspaceId, { role }));
  }

  async #change(id: string, workspaceId: string | undefined, set: { secretHash?: string; role?: Role }): Promise<ApiClientRecord> {
    const changed = await this.#clients.update(id, workspaceId, set);
    if (!changed) throw AppError.notFound(`API client '${id}' not found`);
    this.#alive.clear();
    return changed;
  }

  /**
   * Checks client credentials; undefined when they do not match (the caller answers 401). An
   * unknown client id costs the same scrypt work as a wrong secret, so neither the answer nor its
   * time tells whether the id exists.
   */
  async authenticate(clientId: string, clientSecret: string): Promise<Principal | undefined> {
    const row = await this.#clients.byClientId(clientId);
    if (!row) {
      await verifyAgainstDummy(clientSecret);
      return undefined;
    }
    if (!(await verifySecret(clientSecret, row.secretHash))) return undefined;
    return { id: row.id, clientId: row.clientId, customerId: row.workspaceId, role: row.role };
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
    const role = await this.#clients.roleOf(id);
    if (!role) return undefined;
    if (this.#alive.size > 10_000) this.#alive.clear();
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
      const row = await this.#clients.byClientId(clientId);
      if (row) {
        if (!(await verifySecret(clientSecret, row.secretHash))) await this.#clients.update(row.id, undefined, { secretHash: await hashSecret(clientSecret) });
        return undefined;
      }
      return this.create({ name: "bootstrap admin", role: "admin", clientId, clientSecret });
    }
    if (!(await this.#clients.isEmpty())) return undefined;
    const created = await this.create({ name: "bootstrap admin", role: "admin" });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, "credentials.json");
    const body = { clientId: created.clientId, clientSecret: created.clientSecret, workspaceId: created.workspaceId, role: created.role };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flush: true });
    return created;
  }
}
