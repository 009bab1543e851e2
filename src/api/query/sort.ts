// `sort=a desc,b asc,c` → ORDER BY terms. NULLs (missing values) sort as the largest value on
// both databases (PostgreSQL's default, made explicit for SQLite), strings in code point
// order, and the id column always closes the list so offset paging is stable.
import { type Expression, sql } from "kysely";
import { AppError } from "../../domain/app-error.ts";
import { sortAttribute } from "./attribute-lookup.ts";
import { columnRef, needsCollation, scalarValue } from "./sql-values.ts";
import type { CollectionQuerySpec, Dialect, SortDirection } from "./types.ts";

export const SORT_MAX_KEYS = 8;

export interface SortKey {
  path: string;
  direction: SortDirection;
}

/** Parses and validates a sort parameter; '.' is accepted as path separator, '+' as space. */
export function parseSort(input: string, spec: CollectionQuerySpec): SortKey[] {
  const items = input
    .split(",")
    .map((s) => s.replaceAll("+", " ").trim())
    .filter((s) => s !== "");
  if (items.length > SORT_MAX_KEYS) throw AppError.badRequest(`sort: more than ${SORT_MAX_KEYS} keys`);
  return items.map((item) => {
    const [rawPath = "", rawDir, ...rest] = item.split(/\s+/);
    const direction = (rawDir ?? "asc").toLowerCase();
    if (rest.length > 0 || (direction !== "asc" && direction !== "desc")) {
      throw AppError.badRequest(`sort: '${item}' is not of the form 'attribute [asc|desc]'`);
    }
    const path = rawPath.replaceAll(".", "/");
    sortAttribute(spec, path);
    return { path, direction: direction as SortDirection };
  });
}

/** Complete ORDER BY items (expression, direction and NULLS placement), id last. */
export function compileSort(keys: SortKey[], spec: CollectionQuerySpec, dialect: Dialect): Expression<unknown>[] {
  const src = { dialect, docColumn: spec.docColumn ?? "doc" };
  const idColumn = spec.idColumn ?? "id";
  const terms = keys.map(({ path, direction }) => {
    const attr = sortAttribute(spec, path);
    const value = scalarValue(attr, src);
    const expr = needsCollation(attr, dialect) ? sql`${value} COLLATE "C"` : value;
    // A NOT NULL column needs no NULLS placement, and without one SQLite can walk its index.
    if (attr.column !== undefined && spec.notNullColumns?.has(attr.column)) return direction === "asc" ? sql`${expr} ASC` : sql`${expr} DESC`;
    return direction === "asc" ? sql`${expr} ASC NULLS LAST` : sql`${expr} DESC NULLS FIRST`;
  });
  // A sort on the id attribute (the primary key's mirror) is already total. The tiebreaker
  // keeps the column's own collation so PostgreSQL can walk the primary key index; ids are
  // UUIDs (fixed-format lowercase hex), which every collation orders like bytes.
  if (!keys.some((k) => k.path === "id")) terms.push(sql`${columnRef(idColumn)} ASC`);
  return terms;
}
