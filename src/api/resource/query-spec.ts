// What the list query compiler may do on a collection: its attributes, which are promoted to
// columns, and the definition's filter, sort and paging limits.
import { type CollectionQuerySpec, attributesFromSchema } from "../query/index.ts";
import type { CollectionDefinition } from "./collection-definition.ts";

/** Columns every document table declares NOT NULL. */
const NOT_NULL_COLUMNS: ReadonlySet<string> = new Set(["id", "customer_id", "generation", "created_at", "updated_at"]);

/** attribute path -> column for every promoted attribute, nested ones included. */
function promotedAttributes(promoted: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(promoted).map(([column, attr]) => [attr, column]));
}

export function querySpec(def: CollectionDefinition): CollectionQuerySpec {
  const list = def.list;
  return {
    attributes: attributesFromSchema(def.schema, promotedAttributes(def.promoted)),
    notNullColumns: NOT_NULL_COLUMNS,
    filterable: !list || list.filterable === "all" ? "all" : new Set(list.filterable),
    sortable: list?.sortable ? new Set(list.sortable) : "all-scalars",
    limitDefault: list?.limitDefault ?? 100,
    limitMax: list?.limitMax ?? 1000,
    ...(list?.limitMin !== undefined ? { limitMin: list.limitMin } : {}),
    ...(list?.offsetMax !== undefined ? { offsetMax: list.offsetMax } : {}),
  };
}
