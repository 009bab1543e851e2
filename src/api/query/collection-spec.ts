// How a collection declares its list-query capabilities: from its item schema, once at
// startup. Misdeclared attribute names fail fast here rather than as 400s at request time.
import { attributesFromSchema } from "./schema-attributes.ts";
import type { CollectionQuerySpec } from "./types.ts";

export interface CollectionQueryOptions {
  /** JSON Schema of one item (TypeBox output). */
  schema: object;
  /** Attribute path → promoted column, e.g. { createdAt: "created_at", "osInfo/name": "os_name" }. */
  promoted?: Record<string, string>;
  /** Default "all": GreenLake clients filter beyond the documented lists. */
  filterable?: readonly string[] | "all";
  /** Default "all-scalars": any scalar not inside an array. */
  sortable?: readonly string[] | "all-scalars";
  limitDefault: number;
  limitMax: number;
  limitMin?: number;
  offsetMax?: number;
  docColumn?: string;
  idColumn?: string;
}

export function defineCollectionQuery(options: CollectionQueryOptions): CollectionQuerySpec {
  const { schema, promoted = {}, filterable = "all", sortable = "all-scalars", ...rest } = options;
  const attributes = attributesFromSchema(schema, promoted);
  const declared = (list: readonly string[], what: string, allowArrays: boolean): Set<string> => {
    for (const path of list) {
      const attr = attributes.get(path);
      if (attr === undefined || attr.type === "json" || (!allowArrays && attr.arrayAt.length > 0)) {
        throw new Error(`${what} attribute '${path}' is not a ${allowArrays ? "" : "non-array "}scalar of the schema`);
      }
    }
    return new Set(list);
  };
  return {
    ...rest,
    attributes,
    filterable: filterable === "all" ? "all" : declared(filterable, "filterable", true),
    sortable: sortable === "all-scalars" ? "all-scalars" : declared(sortable, "sortable", false),
  };
}
