// The document repositories of the inventory, by kind, and the queries that span a whole
// hypervisor manager (its objects of one kind; dropping all of them on unregister).
import type { DocumentRepository, Executor, StoredDocument } from "../ports/documents.ts";
import { AppError } from "../../domain/app-error.ts";
import type { InventoryKind } from "../../domain/inventory-paths.ts";

export const MANAGER_COLUMN = "hypervisor_manager_id";

/** Collection (definition) name of each kind: also its table name with '-' -> '_'. */
export const COLLECTION_OF: Record<InventoryKind, string> = {
  "hypervisor-manager": "hypervisor-managers",
  "hypervisor-cluster": "hypervisor-clusters",
  "hypervisor-host": "hypervisor-hosts",
  datastore: "datastores",
  "virtual-machine": "virtual-machines",
  "hypervisor-network": "hypervisor-networks",
  "hypervisor-folder": "hypervisor-folders",
  "hypervisor-resource-pool": "hypervisor-resource-pools",
  "hypervisor-tag": "hypervisor-tags",
  "hypervisor-library-image": "hypervisor-library-images",
};

export class InventoryStore {
  readonly #repositories: ReadonlyMap<string, DocumentRepository>;

  constructor(repositories: ReadonlyMap<string, DocumentRepository>) {
    for (const name of Object.values(COLLECTION_OF)) {
      if (!repositories.has(name)) throw new Error(`no repository for ${name}`);
    }
    this.#repositories = repositories;
  }

  repository(kind: InventoryKind): DocumentRepository {
    return this.#repositories.get(COLLECTION_OF[kind])!;
  }

  get<T extends StoredDocument>(kind: InventoryKind, customerId: string, id: string): Promise<T | undefined> {
    return this.repository(kind).get<T>(customerId, id);
  }

  /** Every document of one kind that belongs to the manager. */
  async listForManager<T extends StoredDocument>(kind: InventoryKind, customerId: string, managerId: string): Promise<T[]> {
    const page = await this.repository(kind).list(
      customerId,
      { orderBy: [], offset: 0, limit: Number.MAX_SAFE_INTEGER },
      { column: MANAGER_COLUMN, value: managerId },
    );
    return page.docs.map((d) => JSON.parse(d) as T);
  }

  /**
   * Names of up to `limit` of the manager's VMs that a protection job protects: they keep the
   * manager registered (their rows are referenced by the jobs, so the database refuses too).
   */
  async protectedVmNames(customerId: string, managerId: string, limit = 3, db?: Executor): Promise<string[]> {
    const vms = this.repository("virtual-machine");
    const run = async (x: Executor) => {
      const rows: { name: string | null }[] = await x
        .selectFrom(`${vms.table} as v`)
        .select("v.name")
        .where("v.customer_id", "=", customerId)
        .where(`v.${MANAGER_COLUMN}`, "=", managerId)
        .where(({ exists, selectFrom }) => exists(selectFrom("protection_jobs as j").select("j.id").whereRef("j.customer_id", "=", "v.customer_id").whereRef("j.asset_id", "=", "v.id")))
        .orderBy("v.name")
        .limit(limit)
        .execute();
      return rows.map((r) => r.name ?? "");
    };
    return db ? run(db) : vms.transaction(run);
  }

  /** Deletes the manager's inventory of every kind, then the manager, in one transaction. */
  async removeManager(customerId: string, managerId: string): Promise<void> {
    const managers = this.repository("hypervisor-manager");
    await managers.transaction(async (trx) => {
      const protectedVms = await this.protectedVmNames(customerId, managerId, 3, trx);
      if (protectedVms.length > 0) throw protectedManagerError(protectedVms);
      for (const kind of Object.keys(COLLECTION_OF) as InventoryKind[]) {
        await trx.deleteFrom(this.repository(kind).table).where("customer_id", "=", customerId).where(MANAGER_COLUMN, "=", managerId).execute();
      }
    });
  }
}

/** Why a manager cannot be unregistered while protection jobs protect some of its VMs. */
export function protectedManagerError(vmNames: readonly string[]): AppError {
  return AppError.conflict(`its virtual machines are protected (${vmNames.join(", ")}${vmNames.length >= 3 ? ", ..." : ""}): delete their protection jobs first`);
}
