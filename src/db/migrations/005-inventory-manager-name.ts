// Inventory listed by hypervisor manager and sorted by name (the VM list filtered by
// `hypervisorManagerInfo/id`, the sub-collections under /hypervisor-managers/{id}): one index
// answers the filter, the order (name, then the id tiebreaker) and the count, so a page reads
// only its rows. It replaces the (customer_id, hypervisor_manager_id) index, its prefix.
import type { Kysely } from "kysely";
import { INVENTORY_TABLES } from "./003-inventory.ts";

/** Tables whose documents are listed per manager; a manager's own row names itself. */
const PER_MANAGER = INVENTORY_TABLES.filter((t) => t !== "hypervisor_managers" && t !== "data_orchestrators");

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of PER_MANAGER) {
    await db.schema.dropIndex(`${table}_customer_manager`).execute();
    await db.schema
      .createIndex(`${table}_customer_manager_name`)
      .on(table)
      .columns(["customer_id", "hypervisor_manager_id", "name", "id"])
      .execute();
  }
}
