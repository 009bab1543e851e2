// Reference columns: a document table's column naming a row of another table of the same tenant,
// enforced by the database. The key is composite, (customer_id, column) -> (customer_id, id), so a
// reference can never cross tenants; a NULL column references nothing (MATCH SIMPLE on both
// databases). The constraint is named `<table>_<column>_fkey`, which is how a PostgreSQL error
// names it; SQLite names no constraint, and the repository asks the database which one failed.
import { type CreateTableBuilder, type Kysely, sql } from "kysely";

/** PostgreSQL cuts identifiers at 63 bytes; a cut name would no longer say which key failed. */
export function foreignKeyName(table: string, column: string): string {
  const name = `${table}_${column}_fkey`;
  if (Buffer.byteLength(name) > 63) throw new Error(`foreign key name ${name} is longer than 63 bytes: shorten the column name`);
  return name;
}

/**
 * Makes a table referenceable: a unique index on (customer_id, id), which both databases require
 * of a foreign key's target columns. Call it in a migration before creating referencing tables.
 */
export async function makeReferenceable(db: Kysely<unknown>, table: string): Promise<void> {
  await sql`create unique index if not exists ${sql.id(`${table}_customer_id_id`)} on ${sql.id(table)} (customer_id, id)`.execute(db);
}

/**
 * Adds a nullable reference column to a table being created. SQLite cannot add a composite
 * foreign key to an existing table, so a reference is declared when its table is created.
 */
export function addReference<T extends string, C extends string>(
  builder: CreateTableBuilder<T, C>,
  table: T,
  column: string,
  target: string,
): CreateTableBuilder<T, C> {
  return builder
    .addColumn(column, "text")
    .addForeignKeyConstraint(foreignKeyName(table, column), ["customer_id", column] as C[], target, ["customer_id", "id"]);
}

type ConstraintKind = "unique" | "foreign-key";

/**
 * Which kind of constraint refused a write, from either driver's error, and its name and the
 * error's message (SQLite names the columns there); undefined for other errors.
 */
export function refusedConstraint(err: unknown): { kind: ConstraintKind; name: string | undefined; message: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = Reflect.get(err, "code");
  const constraint = Reflect.get(err, "constraint");
  const name = typeof constraint === "string" ? constraint : undefined;
  const message = err.message;
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505") return { kind: "unique", name, message };
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503") return { kind: "foreign-key", name, message };
  return undefined;
}

/** One end of a foreign key: the referencing table and column, and what the other end's row is called. */
export interface ForeignKeySide {
  table: string;
  column: string;
  relation: string;
}

/**
 * The candidate a foreign-key failure is about: the one the error names (PostgreSQL), else the
 * first whose probe finds the violation (SQLite), else undefined.
 */
export async function violatedKey<K extends ForeignKeySide>(
  constraintName: string | undefined,
  candidates: readonly K[],
  probe: (key: K) => Promise<boolean>,
): Promise<K | undefined> {
  if (constraintName !== undefined) return candidates.find((k) => foreignKeyName(k.table, k.column) === constraintName);
  for (const key of candidates) if (await probe(key)) return key;
  return undefined;
}
