// The one entry point the resource framework calls for list endpoints: raw query parameters
// → WHERE expression, ORDER BY terms, paging and an optional projection.
import type { Expression, SqlBool } from "kysely";
import { LruCache } from "../../db/lru-cache.ts";
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
  orderBy: readonly Expression<unknown>[];
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

/** What a list query compiles to apart from its paging: the part worth keeping. */
type CompiledQueryParts = Omit<ListQuery, "offset" | "limit">;

const PLAN_CACHE_MAX = 256;

/**
 * Recent queries' compiled filter, sort and select, keyed by their text: clients poll the same
 * query again and again, and parsing and compiling a filter costs more than running it. One per
 * collection (the compiled parts depend on its spec and dialect).
 */
export class ListQueryCache {
  readonly #plans = new LruCache<string, CompiledQueryParts>(PLAN_CACHE_MAX);
  readonly #spec: CollectionQuerySpec;
  readonly #dialect: Dialect;

  constructor(spec: CollectionQuerySpec, dialect: Dialect) {
    this.#spec = spec;
    this.#dialect = dialect;
  }

  parse(raw: Record<string, unknown>): ListQuery {
    return parse(raw, this.#spec, this.#dialect, this.#plans);
  }
}

export function parseListQuery(raw: Record<string, unknown>, spec: CollectionQuerySpec, dialect: Dialect): ListQuery {
  return parse(raw, spec, dialect);
}

function parse(raw: Record<string, unknown>, spec: CollectionQuerySpec, dialect: Dialect, cache?: LruCache<string, CompiledQueryParts>): ListQuery {
  const filter = textParam(raw, "filter");
  const sort = textParam(raw, "sort");
  const select = textParam(raw, "select");
  const key = JSON.stringify([filter, sort, select]);
  const cached = cache?.get(key);
  // Checked in this order (sort, offset, limit, filter, select) so that the first error reported
  // is the same whether or not the query was cached: a cached query's parts are all valid.
  const orderBy = cached?.orderBy ?? Object.freeze(compileSort(sort === undefined ? [] : parseSort(sort, spec), spec, dialect));
  const offset = parseOffset(scalarParam(raw, "offset"), spec);
  const limit = parseLimit(scalarParam(raw, "limit"), spec);
  let parts = cached;
  if (parts === undefined) {
    parts = { orderBy };
    if (filter !== undefined) parts.where = compileFilter(parseFilter(filter), spec, dialect);
    if (select !== undefined) parts.project = parseSelect(select, spec);
    cache?.set(key, Object.freeze(parts));
  }
  return { ...parts, offset, limit };
}
