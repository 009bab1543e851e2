// Public surface of the list-query machinery.
//
// A collection declares `defineCollectionQuery({ schema, promoted, filterable, limitDefault,
// limitMax, ... })` once; a list handler calls `parseListQuery(request.query, spec, dialect)`
// and applies `where`, each `orderBy` item, `offset`/`limit`, and `project` to each document.
export { type CollectionQueryOptions, defineCollectionQuery } from "./collection-spec.ts";
export { attributesFromSchema } from "./schema-attributes.ts";
export { checkFilter } from "./filter-check.ts";
export { compileFilter } from "./filter-compile.ts";
export { parseFilter, FILTER_MAX_COMPARISONS, FILTER_MAX_DEPTH, FILTER_MAX_LENGTH } from "./filter-parser.ts";
export { type ListQuery, ListQueryCache, parseListQuery } from "./list-query.ts";
export { parseLimit, parseOffset } from "./paging.ts";
export { type Projection, parseSelect, SELECT_MAX_PATHS } from "./select.ts";
export { compileSort, parseSort, SORT_MAX_KEYS, type SortKey } from "./sort.ts";
export type * from "./types.ts";
