// The one entry point the resource framework calls for list endpoints: raw query parameters
// → WHERE expression, ORDER BY terms, paging and an optional projection.
import type { Expression, SqlBool } from "kysely";
import { AppError } from "../../domain/app-error.ts";
import { compileFilter } from "./filter-compile.ts";
import { parseFilter } from "./filter-parser.ts";
import { parseLimit, parseOffset } from "./paging.ts";
import { type Projection, parseSelect } from "./select.ts";
import { compileSort, parseSort } from "./sort.ts";
import type { CollectionQuerySpec, Dialect } from "./types.ts";

export interface ListQuery {
  /** Absent when no filter was given. */
  where?: Expression<SqlBool>;
  /** Complete ORDER BY items, to apply in order: `for (const o of q.orderBy) qb = qb.orderBy(o)`. */
  orderBy: Expression<unknown>[];
  offset: number;
  limit: number;
  /** Absent when no select was given; apply to each returned document. */
  project?: Projection;
}

/** A text parameter, or undefined when absent or blank. Repeated parameters are rejected. */
function textParam(raw: Record<string, unknown>, name: string): string | undefined {
  const value = raw[name];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) throw AppError.badRequest(`query parameter '${name}' must be given at most once`);
  if (typeof value !== "string") throw AppError.badRequest(`query parameter '${name}' must be a string`);
  return value.trim() === "" ? undefined : value;
}

function scalarParam(raw: Record<string, unknown>, name: string): unknown {
  const value = raw[name];
  if (Array.isArray(value)) throw AppError.badRequest(`query parameter '${name}' must be given at most once`);
  return value === null ? undefined : value;
}

export function parseListQuery(raw: Record<string, unknown>, spec: CollectionQuerySpec, dialect: Dialect): ListQuery {
  const filter = textParam(raw, "filter");
  const sort = textParam(raw, "sort");
  const select = textParam(raw, "select");
  const query: ListQuery = {
    orderBy: compileSort(sort === undefined ? [] : parseSort(sort, spec), spec, dialect),
    offset: parseOffset(scalarParam(raw, "offset"), spec),
    limit: parseLimit(scalarParam(raw, "limit"), spec),
  };
  if (filter !== undefined) query.where = compileFilter(parseFilter(filter), spec, dialect);
  if (select !== undefined) query.project = parseSelect(select, spec);
  return query;
}
