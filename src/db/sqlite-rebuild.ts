// Adds a table constraint to an existing SQLite table, which ALTER TABLE cannot do: the table is
// rebuilt under a new name with the constraint, its rows copied, the old table dropped and the
// new one renamed, then its indexes and triggers re-created from their saved definitions (SQLite's
// "generalized ALTER TABLE" procedure), all inside the migration's transaction.
//
// Foreign keys stay on. Rows of other tables that reference the rebuilt one are set aside and put
// back after the rename, so dropping the old table never deletes or orphans them, and putting them
// back checks each against the rebuilt table.
import { type Kysely, sql } from "kysely";

interface SchemaRow {
  type: string;
  name: string;
  sql: string | null;
}

export async function rebuildSqliteTable(db: Kysely<unknown>, table: string, constraint: string): Promise<void> {
  const objects = (await sql<SchemaRow>`select type, name, sql from sqlite_master where tbl_name = ${table}`.execute(db)).rows;
  const create = objects.find((o) => o.type === "table")?.sql;
  if (!create) throw new Error(`no table ${table} to rebuild`);
  const close = create.lastIndexOf(")");
  const rebuilt = `${create.slice(0, close).replace(/^create table\s+("?)\w+\1/i, `create table "${table}_rebuilt"`)}, ${constraint})`;
  // Indexes and triggers SQLite made itself (autoindexes) have no sql and come back on their own.
  const extras = objects.filter((o) => (o.type === "index" || o.type === "trigger") && o.sql !== null).map((o) => o.sql ?? "");
  const children = (await sql<{ name: string }>`select m.name from sqlite_master m, pragma_foreign_key_list(m.name) f
                                                  where m.type = 'table' and f."table" = ${table} and m.name <> ${table}
                                                  group by m.name`.execute(db)).rows.map((r) => r.name);

  await sql.raw(rebuilt).execute(db);
  await sql`insert into ${sql.id(`${table}_rebuilt`)} select * from ${sql.id(table)}`.execute(db);
  for (const child of children) {
    await sql`create temp table ${sql.id(`${child}_aside`)} as select * from ${sql.id(child)}`.execute(db);
    await sql`delete from ${sql.id(child)}`.execute(db);
  }
  await sql`drop table ${sql.id(table)}`.execute(db);
  await sql`alter table ${sql.id(`${table}_rebuilt`)} rename to ${sql.id(table)}`.execute(db);
  for (const statement of extras) await sql.raw(statement).execute(db);
  for (const child of children) {
    await sql`insert into ${sql.id(child)} select * from ${sql.id(`${child}_aside`)}`.execute(db);
    await sql`drop table ${sql.id(`${child}_aside`)}`.execute(db);
  }
}
