// The start-up check: storage must have every table, column and foreign key the definitions
// name, else the server refuses to start saying what is missing; promoted columns without an
// index leading with customer_id are reported.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { COLLECTIONS } from "../api/collections.ts";
import { loadConfig } from "../config/config.ts";
import { buildServices, tablesFor } from "../container.ts";
import { openDatabase } from "./database.ts";
import type { CollectionTable } from "./document-repository.ts";
import { addReference, makeReferenceable } from "./foreign-keys.ts";
import { migrate } from "./migrate.ts";
import { documentTable } from "./migrations/001-initial.ts";
import { checkStorage } from "./storage-check.ts";
import { testDatabases, untyped } from "./test-databases.ts";

const dbs = await testDatabases();
const dir = await mkdtemp(join(tmpdir(), "obr-storage-check-"));
afterAll(async () => {
  for (const t of dbs) await t.close();
  await rm(dir, { recursive: true, force: true });
});

const column = () => null;

describe.each(dbs)("storage check on $database.dialect", ({ database }) => {
  it("accepts the schema the migrations build for every collection, and names the unindexed promoted columns", async () => {
    const tables = [...tablesFor(COLLECTIONS.map((c) => c.definition)).values()];
    // A workspace has a handful of data orchestrators: scanning them needs no index. A VM's copy
    // lists are scoped to it, so their (customer_id, asset_id, column) indexes count.
    expect(await checkStorage(database, tables)).toEqual({ unindexed: ["data_orchestrators.connection_state", "data_orchestrators.deployment"] });
  });

  it("names every missing table, column and foreign key in one refusal", async () => {
    const tables: CollectionTable[] = [
      { table: "no_such_table", promoted: {} },
      { table: "virtual_machines", promoted: { os_name: column, name: column } },
      { table: "datastores", promoted: { name: column }, discriminator: { column: "asset_type", value: "x" } },
      { table: "hypervisor_hosts", promoted: { name: column }, references: { name: { table: "hypervisor_clusters", relation: "cluster" } } },
    ];
    await expect(checkStorage(database, tables)).rejects.toThrow(
      "storage does not match the collection definitions: table no_such_table does not exist; table virtual_machines lacks column(s) os_name; " +
        "table datastores lacks column(s) asset_type; hypervisor_hosts.name has no foreign key to hypervisor_clusters",
    );
  });

  it("reports promoted columns without an index leading with customer_id", async () => {
    const tables: CollectionTable[] = [{ table: "protection_policies", promoted: { name: column, created_at: column } }];
    expect(await checkStorage(database, tables)).toEqual({ unindexed: ["protection_policies.created_at"] });
  });

  it("accepts a reference column with its foreign key", async () => {
    const db = untyped(database);
    await documentTable(db, database.dialect, "check_stores").execute();
    await makeReferenceable(db, "check_stores");
    await addReference(documentTable(db, database.dialect, "check_copies"), "check_copies", "store_id", "check_stores").execute();
    await sql`create index check_copies_store on check_copies (customer_id, store_id)`.execute(database.db);
    const copies: CollectionTable = { table: "check_copies", promoted: { store_id: column }, references: { store_id: { table: "check_stores", relation: "store" } } };
    expect(await checkStorage(database, [copies])).toEqual({ unindexed: [] });
  });

  // PostgreSQL refuses such a key when it is created; SQLite only when a row is written.
  it.skipIf(database.dialect === "postgres")("refuses a reference whose target is not referenceable (SQLite would fail every write)", async () => {
    const db = untyped(database);
    await documentTable(db, database.dialect, "loose_stores").execute();
    await addReference(documentTable(db, database.dialect, "loose_copies"), "loose_copies", "store_id", "loose_stores").execute();
    const copies: CollectionTable = { table: "loose_copies", promoted: { store_id: column }, references: { store_id: { table: "loose_stores", relation: "store" } } };
    await expect(checkStorage(database, [copies])).rejects.toThrow("loose_stores, referenced by loose_copies.store_id, has no unique index on (customer_id, id) (makeReferenceable)");
  });
});

it("the server refuses to start when a collection's table is missing", async () => {
  const config = loadConfig({ OBR_DATA_DIR: dir, OBR_DEMO: "0" });
  const database = await openDatabase(config.databaseUrl);
  await migrate(database);
  await sql`drop table hypervisor_tags`.execute(database.db);
  await database.close();
  await expect(buildServices(config, pino({ level: "silent" }))).rejects.toThrow(/table hypervisor_tags does not exist/);
});
