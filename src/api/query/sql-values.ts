// Dialect-specific SQL for reading a catalogued attribute out of a row: a promoted column, a
// JSON path in the document, or an existential walk through the arrays on the path.
//
// Every JSON read is guarded by the stored JSON type, so a value of the wrong type reads as
// NULL instead of raising a cast error (PostgreSQL) or comparing across types (SQLite), and
// both databases agree. Identifiers and JSON paths come only from the catalogue and are
// additionally restricted to a safe character set before being inlined as literals.
import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { AttributeInfo, AttrType, Dialect, ScalarValue } from "./types.ts";

const SAFE_KEY = /^[A-Za-z0-9_$@-]+$/;
const SAFE_COLUMN = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export interface ValueSource {
  dialect: Dialect;
  /** Column (possibly table-qualified) holding the JSON document. */
  docColumn: string;
}

type Cond = (value: RawBuilder<unknown>) => RawBuilder<SqlBool>;

function checkedKeys(keys: string[]): string[] {
  for (const k of keys) if (!SAFE_KEY.test(k)) throw new Error(`query catalogue: unsafe JSON key '${k}'`);
  return keys;
}

export function columnRef(column: string): RawBuilder<unknown> {
  if (!SAFE_COLUMN.test(column)) throw new Error(`query catalogue: unsafe column name '${column}'`);
  return sql`${sql.ref(column)}`;
}

const sqlitePath = (keys: string[]) => sql.lit(`$${checkedKeys(keys).map((k) => `."${k}"`).join("")}`);
// Elements are double-quoted so that a key such as "null" is not read as a NULL element.
const pgPath = (keys: string[]) => sql.lit(`{${checkedKeys(keys).map((k) => `"${k}"`).join(",")}}`);

const SQLITE_TYPES: Record<AttrType, string[]> = {
  string: ["text"],
  "date-time": ["text"],
  integer: ["integer", "real"],
  number: ["integer", "real"],
  boolean: ["true", "false"],
  json: [],
};
const PG_TYPES: Record<AttrType, string> = {
  string: "string",
  "date-time": "string",
  integer: "number",
  number: "number",
  boolean: "boolean",
  json: "",
};
const PG_CASTS: Record<AttrType, string> = {
  string: "text",
  "date-time": "text",
  integer: "numeric",
  number: "numeric",
  boolean: "boolean",
  json: "text",
};

/** JSON document or the current element of an enclosing array walk. */
type Base = { kind: "doc"; ref: RawBuilder<unknown> } | { kind: "elem"; alias: string };

function typedSqlite(base: Base, rel: string[], type: AttrType): RawBuilder<unknown> {
  const types = sql.join(SQLITE_TYPES[type].map((t) => sql.lit(t)));
  if (base.kind === "elem" && rel.length === 0) {
    const a = sql.raw(base.alias);
    return sql`(CASE WHEN ${a}.type IN (${types}) THEN ${a}.value END)`;
  }
  const p = sqlitePath(rel);
  if (base.kind === "doc") {
    return sql`(CASE WHEN json_type(${base.ref}, ${p}) IN (${types}) THEN json_extract(${base.ref}, ${p}) END)`;
  }
  // Only object elements can be stepped into; json_type on a bare string element would fail.
  const a = sql.raw(base.alias);
  return sql`(CASE WHEN ${a}.type = 'object' THEN (CASE WHEN json_type(${a}.value, ${p}) IN (${types}) THEN json_extract(${a}.value, ${p}) END) END)`;
}

function pgJson(base: Base, rel: string[]): RawBuilder<unknown> {
  const b = base.kind === "doc" ? base.ref : sql.raw(`${base.alias}.v`);
  return rel.length === 0 ? b : sql`(${b} #> ${pgPath(rel)})`;
}

function typedPg(base: Base, rel: string[], type: AttrType): RawBuilder<unknown> {
  const j = pgJson(base, rel);
  const cast = sql.raw(PG_CASTS[type]);
  return sql`(CASE WHEN jsonb_typeof(${j}) = ${sql.lit(PG_TYPES[type])} THEN (${j} #>> '{}')::${cast} END)`;
}

const typed = (dialect: Dialect, base: Base, rel: string[], type: AttrType) =>
  dialect === "sqlite" ? typedSqlite(base, rel, type) : typedPg(base, rel, type);

/** Rows of the array at `rel` below `base`, aliased; empty when the value is not an array. */
function arrayRows(dialect: Dialect, base: Base, rel: string[], alias: string): RawBuilder<unknown> {
  const a = sql.raw(alias);
  if (dialect === "postgres") {
    const j = pgJson(base, rel);
    return sql`jsonb_array_elements(CASE WHEN jsonb_typeof(${j}) = 'array' THEN ${j} END) AS ${a}(v)`;
  }
  const p = sqlitePath(rel);
  const json =
    base.kind === "doc" ? base.ref : sql`(CASE WHEN ${sql.raw(base.alias)}.type = 'object' THEN ${sql.raw(base.alias)}.value END)`;
  return sql`json_each(CASE WHEN json_type(${json}, ${p}) = 'array' THEN json_extract(${json}, ${p}) END) AS ${a}`;
}

/** Splits a path at its arrays: the hops to walk, then the path inside the last element. */
function hops(attr: AttributeInfo): { arrays: string[][]; rel: string[] } {
  const arrays: string[][] = [];
  let start = 0;
  for (const at of attr.arrayAt) {
    arrays.push(attr.path.slice(start, at + 1));
    start = at + 1;
  }
  return { arrays, rel: attr.path.slice(start) };
}

/** The attribute's value for a row; only for attributes not inside arrays (sorting). */
export function scalarValue(attr: AttributeInfo, src: ValueSource): RawBuilder<unknown> {
  if (attr.arrayAt.length > 0) throw new Error(`query: '${attr.path.join("/")}' is inside an array`);
  if (attr.column !== undefined) return columnRef(attr.column);
  return typed(src.dialect, { kind: "doc", ref: columnRef(src.docColumn) }, attr.path, attr.type);
}

/**
 * A predicate over the attribute. For scalars `cond(value)`; across arrays it holds when some
 * element satisfies it (nested EXISTS). `cond` must be non-NULL whenever the value is non-NULL.
 * `negated` yields the exact complement — missing values satisfy the negation — so that
 * `not` is two-valued even though SQL comparisons with NULL are not.
 */
export function predicate(attr: AttributeInfo, src: ValueSource, cond: Cond, negated: boolean): RawBuilder<SqlBool> {
  if (attr.arrayAt.length === 0) {
    const v = scalarValue(attr, src);
    return negated ? sql<SqlBool>`(${v} IS NULL OR NOT (${cond(v)}))` : sql<SqlBool>`(${cond(v)})`;
  }
  const { arrays, rel } = hops(attr);
  let base: Base = { kind: "doc", ref: columnRef(src.docColumn) };
  const froms: RawBuilder<unknown>[] = [];
  arrays.forEach((segment, depth) => {
    const alias = `_q${depth}`;
    froms.push(arrayRows(src.dialect, base, segment, alias));
    base = { kind: "elem", alias };
  });
  let inner = cond(typed(src.dialect, base, rel, attr.type));
  for (let i = froms.length - 1; i >= 0; i--) {
    inner = sql<SqlBool>`EXISTS (SELECT 1 FROM ${froms[i]} WHERE ${inner})`;
  }
  return negated ? sql<SqlBool>`(NOT ${inner})` : inner;
}

/** A literal as a bound parameter, in the representation the value expression has. */
export function param(value: ScalarValue, attr: AttributeInfo, dialect: Dialect): RawBuilder<unknown> {
  if (dialect === "sqlite") return sql`${typeof value === "boolean" ? (value ? 1 : 0) : value}`;
  // Promoted columns give PostgreSQL the parameter type; JSON reads need an explicit one.
  if (attr.column !== undefined && attr.arrayAt.length === 0) return sql`${value}`;
  return sql`${value}::${sql.raw(PG_CASTS[attr.type])}`;
}

/** Whether ordering comparisons need a byte-order collation (PostgreSQL text). */
export const needsCollation = (attr: AttributeInfo, dialect: Dialect): boolean =>
  dialect === "postgres" && (attr.type === "string" || attr.type === "date-time");
