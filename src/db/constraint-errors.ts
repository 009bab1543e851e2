// A constraint the database refused, as the client's error, a 409 either way: a unique index (a
// duplicate name or id, e.g. two creates racing) or a foreign key, naming the relation. The
// database decides; the messages only say which rule it applied.
import { type Kysely, sql } from "kysely";
import { AppError } from "../domain/app-error.ts";
import { type ForeignKeySide, refusedConstraint, violatedKey } from "./foreign-keys.ts";

// biome-ignore lint/suspicious/noExplicitAny: tables are chosen at run time from the definition
type AnyDb = Kysely<any>;

/** The part of a CollectionTable (document-repository.ts) that names its constraints. */
export interface ConstrainedTable {
  table: string;
  references?: Readonly<Record<string, { table: string; relation: string }>> | undefined;
  referencedBy?: readonly ForeignKeySide[] | undefined;
}

/** What the refused statement was: a write of `values` (insert, update) or the delete of row `id`. */
export type RefusedWrite = { kind: "write"; customerId: string; values: Readonly<Record<string, unknown>> } | { kind: "delete"; customerId: string; id: string };

const noun = (table: string) => table.replaceAll("_", " ").replace(/s$/, "");

async function exists(db: AnyDb, table: string, customerId: string, column: string, value: unknown): Promise<boolean> {
  const { rows } = await sql`select 1 from ${sql.id(table)} where customer_id = ${customerId} and ${sql.id(column)} = ${value} limit 1`.execute(db);
  return rows.length > 0;
}

/** The AppError for `err` when a constraint refused the write, else `err` itself. */
export async function constraintError(err: unknown, table: ConstrainedTable, write: RefusedWrite, db: AnyDb): Promise<unknown> {
  const refused = refusedConstraint(err);
  if (refused === undefined) return err;
  if (refused.kind === "unique") {
    // SQLite names the columns in the message, PostgreSQL the index in `constraint`.
    const byName = /name/.test(`${refused.message} ${refused.name ?? ""}`);
    return AppError.conflict(byName ? `a ${noun(table.table)} with the same name already exists` : `the ${noun(table.table)} already exists`);
  }
  if (write.kind === "delete") {
    const referencing = table.referencedBy ?? [];
    const key = await violatedKey(refused.name, referencing, (k) => exists(db, k.table, write.customerId, k.column, write.id));
    const by = key?.relation ?? (referencing.map((k) => k.relation).join(" or ") || "another resource");
    return AppError.conflict(`${noun(table.table)} '${write.id}' is still referenced by ${by}`);
  }
  const outgoing: (ForeignKeySide & { target: string })[] = Object.entries(table.references ?? {}).map(([column, ref]) => ({
    table: table.table,
    column,
    relation: ref.relation,
    target: ref.table,
  }));
  const present = outgoing.filter((k) => write.values[k.column] !== null && write.values[k.column] !== undefined);
  const key = await violatedKey(refused.name, present, async (k) => !(await exists(db, k.target, write.customerId, "id", write.values[k.column])));
  if (key === undefined) return AppError.conflict(`${noun(table.table)} refers to a resource that does not exist`);
  return AppError.conflict(`${key.relation} '${String(write.values[key.column])}' does not exist`);
}
