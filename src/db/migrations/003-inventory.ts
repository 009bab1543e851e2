// Inventory discovered from hypervisor managers (virtualization/v1beta1) and the data orchestrator
// records registrations point at. One document table per collection; every inventory document
// belongs to one hypervisor manager, mirrored in `hypervisor_manager_id` for sub-collection
// scoping and for dropping a manager's inventory on unregister.
import type { Kysely } from "kysely";
import type { Dialect } from "../database.ts";
import { documentTable, sortableText } from "./001-initial.ts";
import { versionTriggers } from "./002-collection-versions.ts";

export const INVENTORY_TABLES = [
  "hypervisor_managers",
  "hypervisor_clusters",
  "hypervisor_hosts",
  "datastores",
  "virtual_machines",
  "hypervisor_networks",
  "hypervisor_folders",
  "hypervisor_resource_pools",
  "hypervisor_tags",
  "hypervisor_library_images",
  "data_orchestrators",
] as const;

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  for (const table of INVENTORY_TABLES) {
    await documentTable(db, dialect, table)
      .addColumn("name", sortableText(dialect))
      .addColumn("hypervisor_manager_id", "text")
      .execute();
    // A manager's name is its address identity (lab://<name>): unique per workspace, which also
    // settles concurrent registrations. Inventory names repeat across managers.
    const nameIndex = db.schema.createIndex(`${table}_customer_name`).on(table).columns(["customer_id", "name"]);
    await (table === "hypervisor_managers" ? nameIndex.unique() : nameIndex).execute();
    await db.schema.createIndex(`${table}_customer_manager`).on(table).columns(["customer_id", "hypervisor_manager_id"]).execute();
    await versionTriggers(db, dialect, table);
  }
}
