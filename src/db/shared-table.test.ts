// Storage mechanisms on real databases (SQLite and PostgreSQL), over test-only tables created
// here: two collections sharing one table through a discriminator, and reference columns whose
// foreign keys refuse a missing or still-referenced row with a 409 naming the relation.
import { sql } from "kysely";
import { Type } from "typebox";
import { afterAll, describe, expect, it } from "vitest";
import type { CollectionDefinition } from "../api/resource/collection-definition.ts";
import { tablesFor } from "../container.ts";
import { AppError } from "../domain/app-error.ts";
import { DocumentRepository, type ListPlan, type StoredDocument } from "./document-repository.ts";
import { addReference, makeReferenceable } from "./foreign-keys.ts";
import { documentTable, sortableText } from "./migrations/001-initial.ts";
import { testDatabases, untyped } from "./test-databases.ts";

const dbs = await testDatabases();
afterAll(async () => {
  for (const t of dbs) await t.close();
});

const schema = Type.Object({ id: Type.String(), name: Type.String(), storeInfo: Type.Optional(Type.Object({ id: Type.String() })) });
const definition = (name: string, table: string, extra: Partial<CollectionDefinition>): CollectionDefinition => ({
  name,
  table,
  path: `/test/${name}`,
  idParam: "id",
  tag: name,
  schema,
  promoted: { name: "name" },
  ...extra,
});
const vmBackups = definition("vm-backups", "test_backups", { discriminator: { column: "asset_type", value: "virtual-machine" } });
const datastoreBackups = definition("datastore-backups", "test_backups", { discriminator: { column: "asset_type", value: "datastore" } });
const stores = definition("test-stores", "test_stores", {});
const copies = definition("test-copies", "test_copies", {
  promoted: { name: "name", store_id: "storeInfo/id" },
  references: { store_id: { table: "test_stores", relation: "protection store" } },
});
const tables = tablesFor([vmBackups, datastoreBackups, stores, copies]);

let serial = 0;
const doc = (customerId: string, name: string, extra: object = {}): StoredDocument => {
  const at = new Date().toISOString();
  return { id: `${name}-${++serial}`, customerId, generation: 1, createdAt: at, updatedAt: at, name, ...extra };
};
const plan: ListPlan = { orderBy: [sql`id asc`], offset: 0, limit: 100 };
const idsOf = (docs: readonly string[]) => docs.map((d) => (JSON.parse(d) as StoredDocument).id);
const appError = async (work: Promise<unknown>): Promise<AppError> => {
  const err = await work.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
};

describe.each(dbs)("storage on $database.dialect", ({ database }) => {
  const repo = (def: CollectionDefinition) => new DocumentRepository(database, tables.get(def)!);

  it("creates the test tables", async () => {
    const db = untyped(database);
    await documentTable(db, database.dialect, "test_backups").addColumn("asset_type", "text", (c) => c.notNull()).addColumn("name", sortableText(database.dialect)).execute();
    await documentTable(db, database.dialect, "test_stores").addColumn("name", sortableText(database.dialect)).execute();
    await makeReferenceable(db, "test_stores");
    await addReference(documentTable(db, database.dialect, "test_copies").addColumn("name", sortableText(database.dialect)), "test_copies", "store_id", "test_stores").execute();
  });

  it("keeps two collections sharing a table apart: each reads and writes only its own rows", async () => {
    const vms = repo(vmBackups);
    const datastores = repo(datastoreBackups);
    const a = doc("c1", "same-name");
    const b = doc("c1", "same-name");
    await vms.insert(a);
    await datastores.insert(b);
    expect(idsOf((await vms.list("c1", plan)).docs)).toEqual([a.id]);
    expect(idsOf((await datastores.list("c1", plan)).docs)).toEqual([b.id]);
    expect(await vms.getRaw("c1", b.id)).toBeUndefined();
    expect(vms.getRawNow("c1", b.id) ?? undefined).toBeUndefined();
    expect(await vms.findIdBy("c1", "name", "same-name")).toBe(a.id);
    expect((await appError(vms.update("c1", b.id, undefined, (d) => ({ ...d, name: "taken" })))).httpStatusCode).toBe(404);
    expect((await appError(vms.delete("c1", b.id, undefined))).httpStatusCode).toBe(404);
    await vms.update("c1", a.id, undefined, (d) => ({ ...d, name: "renamed" }));
    const rows = await sql<{ id: string; asset_type: string; name: string }>`select id, asset_type, name from test_backups order by asset_type`.execute(database.db);
    expect(rows.rows).toEqual([
      { id: b.id, asset_type: "datastore", name: "same-name" },
      { id: a.id, asset_type: "virtual-machine", name: "renamed" },
    ]);
    await datastores.delete("c1", b.id, undefined);
    expect(await vms.getRaw("c1", a.id)).toBeDefined();
  });

  it("refuses a reference to a missing row, or to another tenant's, with a 409 naming the relation", async () => {
    const store = doc("c1", "store");
    await repo(stores).insert(store);
    const missing = await appError(repo(copies).insert(doc("c1", "copy", { storeInfo: { id: "no-such-store" } })));
    expect([missing.httpStatusCode, missing.message]).toEqual([409, "protection store 'no-such-store' does not exist"]);
    const foreign = await appError(repo(copies).insert(doc("c2", "copy", { storeInfo: { id: store.id } })));
    expect(foreign.httpStatusCode).toBe(409);
    const copy = doc("c1", "copy", { storeInfo: { id: store.id } });
    await repo(copies).insert(copy);
    await repo(copies).insert(doc("c1", "unattached"));
    const moved = await appError(repo(copies).update("c1", copy.id, undefined, (d) => ({ ...d, storeInfo: { id: "gone" } })));
    expect([moved.httpStatusCode, moved.message]).toEqual([409, "protection store 'gone' does not exist"]);
    expect(JSON.parse((await repo(copies).getRaw("c1", copy.id))!)).toMatchObject({ storeInfo: { id: store.id } });
    const { rows } = await sql<{ n: number }>`select count(*) as n from test_copies`.execute(database.db);
    expect(Number(rows[0]?.n)).toBe(2);
  });

  it("refuses to delete a row still referenced, with a 409 naming the relation, and keeps it", async () => {
    const store = doc("c1", "held");
    await repo(stores).insert(store);
    const copy = doc("c1", "copy", { storeInfo: { id: store.id } });
    await repo(copies).insert(copy);
    const held = await appError(repo(stores).delete("c1", store.id, undefined));
    expect([held.httpStatusCode, held.message]).toEqual([409, `test store '${store.id}' is still referenced by test copies`]);
    expect(await repo(stores).getRaw("c1", store.id)).toBeDefined();
    await repo(copies).delete("c1", copy.id, undefined);
    await repo(stores).delete("c1", store.id, undefined);
    expect(await repo(stores).getRaw("c1", store.id)).toBeUndefined();
  });
});
