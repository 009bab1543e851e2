// The start-up check of storage against the definitions: every collection's table and columns
// (base, promoted, discriminator, references) must exist and every reference must have its
// foreign key, or the server refuses to start with one message naming all that is missing. A
// promoted column without an index leading with customer_id is allowed but reported: filters on
// it scan the tenant's rows.
import { sql } from "kysely";
import type { Database } from "./database.ts";
import type { CollectionTable } from "./document-repository.ts";
import { foreignKeyName } from "./foreign-keys.ts";

const DOCUMENT_COLUMNS = ["id", "customer_id", "generation", "created_at", "updated_at", "doc"];

export interface StorageReport {
  /** `table.column` of promoted columns no index leads with (customer_id, column). */
  unindexed: string[];
}

interface TableFacts {
  columns: Set<string>;
  /** Column lists of the table's indexes, in index order. */
  indexes: string[][];
  /** The same for its unique indexes (a foreign key's target needs one on exactly its columns). */
  unique: string[][];
  /** Foreign keys as `column -> target table`. */
  foreignKeys: Map<string, string>;
}

async function sqliteFacts(database: Database, table: string): Promise<TableFacts> {
  const db = database.db;
  const columns = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
  const indexed = await sql<{ index: string; column: string; unique: number }>`select l.name as "index", i.name as "column", l."unique" as "unique"
    from pragma_index_list(${table}) l join pragma_index_info(l.name) i order by l.name, i.seqno`.execute(db);
  const keys = await sql<{ from: string; table: string }>`select "from", "table" from pragma_foreign_key_list(${table})`.execute(db);
  return facts(
    columns.rows.map((r) => r.name),
    indexed.rows,
    keys.rows.map((k) => [k.from, k.table]),
  );
}

async function postgresFacts(database: Database, table: string): Promise<TableFacts> {
  const db = database.db;
  const columns = await sql<{ name: string }>`select column_name as name from information_schema.columns
    where table_schema = current_schema() and table_name = ${table}`.execute(db);
  const indexed = await sql<{ index: string; column: string; unique: boolean }>`select c.relname as "index", a.attname as "column", i.indisunique as "unique"
    from pg_index i join pg_class c on c.oid = i.indexrelid
    cross join lateral unnest(i.indkey) with ordinality k(attnum, ord)
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where i.indrelid = to_regclass(${table}) order by c.relname, k.ord`.execute(db);
  // A composite key names each of its columns; the constraint name says which reference it is.
  const keys = await sql<{ name: string; target: string }>`select conname as name, confrelid::regclass::text as target
    from pg_constraint where conrelid = to_regclass(${table}) and contype = 'f'`.execute(db);
  const byName = new Map(keys.rows.map((k) => [k.name, k.target.replace(/^.*\./, "").replaceAll('"', "")]));
  const references: [string, string][] = [];
  for (const column of columns.rows.map((r) => r.name)) {
    const target = byName.get(foreignKeyName(table, column));
    if (target !== undefined) references.push([column, target]);
  }
  return facts(
    columns.rows.map((r) => r.name),
    indexed.rows,
    references,
  );
}

function facts(columns: string[], indexed: { index: string; column: string; unique: number | boolean }[], foreignKeys: [string, string][]): TableFacts {
  const indexes = new Map<string, string[]>();
  const unique = new Set<string>();
  for (const { index, column, unique: isUnique } of indexed) {
    indexes.set(index, [...(indexes.get(index) ?? []), column]);
    if (isUnique) unique.add(index);
  }
  return {
    columns: new Set(columns),
    indexes: [...indexes.values()],
    unique: [...indexes].filter(([name]) => unique.has(name)).map(([, cols]) => cols),
    foreignKeys: new Map(foreignKeys),
  };
}

/** Throws (one message, every problem) when storage lacks what the definitions need. */
export async function checkStorage(database: Database, tables: readonly CollectionTable[]): Promise<StorageReport> {
  const problems: string[] = [];
  const unindexed: string[] = [];
  const seen = new Map<string, TableFacts>();
  const factsOf = async (table: string): Promise<TableFacts> => {
    let known = seen.get(table);
    if (!known) {
      known = database.dialect === "postgres" ? await postgresFacts(database, table) : await sqliteFacts(database, table);
      seen.set(table, known);
    }
    return known;
  };
  for (const t of tables) {
    const known = await factsOf(t.table);
    if (known.columns.size === 0) {
      problems.push(`table ${t.table} does not exist`);
      continue;
    }
    const disc = t.discriminator?.column;
    const needed = [...DOCUMENT_COLUMNS, ...Object.keys(t.promoted), ...(disc ? [disc] : []), ...Object.keys(t.references ?? {})];
    const missing = [...new Set(needed)].filter((c) => !known.columns.has(c));
    if (missing.length > 0) problems.push(`table ${t.table} lacks column(s) ${missing.join(", ")}`);
    for (const [column, ref] of Object.entries(t.references ?? {})) {
      if (known.columns.has(column) && known.foreignKeys.get(column) !== ref.table) problems.push(`${t.table}.${column} has no foreign key to ${ref.table}`);
      // SQLite accepts such a key and fails every later write with "foreign key mismatch".
      const target = await factsOf(ref.table);
      if (!target.unique.some((cols) => cols.length === 2 && cols[0] === "customer_id" && cols[1] === "id")) {
        problems.push(`${ref.table}, referenced by ${t.table}.${column}, has no unique index on (customer_id, id) (makeReferenceable)`);
      }
    }
    // After customer_id, an index may lead with the discriminator or the sub-collection's parent column: every query names them.
    const scoped = (cols: string[], column: string) => [disc, t.scopeColumn].some((first) => first !== undefined && cols[1] === first && cols[2] === column);
    const leads = (cols: string[], column: string) => cols[0] === "customer_id" && (cols[1] === column || scoped(cols, column));
    for (const column of Object.keys(t.promoted)) {
      if (known.columns.has(column) && !known.indexes.some((cols) => leads(cols, column))) unindexed.push(`${t.table}.${column}`);
    }
  }
  if (problems.length > 0) throw new Error(`storage does not match the collection definitions: ${problems.join("; ")}`);
  return { unindexed: [...new Set(unindexed)] };
}
