// Names unique per workspace are compared trimmed and case-insensitively (GreenLake's rule): a
// `name_key` column holds the normalised name (written by the application on every write, see
// nameKey) under a unique index, which also settles concurrent creates. Existing rows are keyed
// here; names that now collide with an older one ("Gold" after "gold ") are renamed
// "<name> (<first 8 characters of the id>)", their generation bumped, so the index can hold.
import { type Kysely, sql } from "kysely";
import { nameKey } from "../../domain/unique-name.ts";
import type { Dialect } from "../database.ts";

export const UNIQUE_NAME_TABLES = ["protection_policies", "hypervisor_managers"] as const;

interface Row {
  id: string;
  customer_id: string;
  name: string | null;
  generation: number | string;
  doc: unknown;
}

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  for (const table of UNIQUE_NAME_TABLES) {
    const t = sql.id(table);
    await sql`alter table ${t} add column name_key text`.execute(db);
    const { rows } = await sql<Row>`select id, customer_id, name, generation, doc from ${t} order by customer_id, created_at, id`.execute(db);
    const taken = new Set<string>();
    for (const row of rows) {
      if (row.name === null) continue;
      const trimmed = row.name.trim();
      let name = trimmed;
      if (taken.has(`${row.customer_id}\u0000${nameKey(name)}`)) name = `${trimmed.slice(0, 240)} (${row.id.slice(0, 8)})`;
      const key = nameKey(name);
      taken.add(`${row.customer_id}\u0000${key}`);
      if (name === row.name) {
        await sql`update ${t} set name_key = ${key} where id = ${row.id}`.execute(db);
        continue;
      }
      const doc: unknown = typeof row.doc === "string" ? JSON.parse(row.doc) : row.doc;
      const generation = Number(row.generation) + 1;
      const updatedAt = new Date().toISOString();
      const next = JSON.stringify({ ...(doc !== null && typeof doc === "object" ? doc : {}), name, generation, updatedAt });
      const docValue = dialect === "postgres" ? sql`${next}::jsonb` : sql`${next}`;
      await sql`update ${t} set name = ${name}, name_key = ${key}, generation = ${generation}, updated_at = ${updatedAt}, doc = ${docValue} where id = ${row.id}`.execute(db);
    }
    await sql`create unique index ${sql.id(`${table}_customer_name_key`)} on ${t} (customer_id, name_key)`.execute(db);
  }
}
