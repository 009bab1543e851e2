// What a promoted column holds for a document: the attribute's value when it has the attribute's
// type, else NULL. That is exactly what the compiled JSON read yields (sql-values.ts guards every
// read by the stored JSON type), so a filter or sort gives the same rows through the column as
// through the document, while the column can be indexed.
import { attributesFromSchema } from "./schema-attributes.ts";
import type { AttributeInfo } from "./types.ts";

export type PromotedValue = string | number | null;
export type PromotedReader = (doc: object) => PromotedValue;

/** Steps through own properties of objects only: `$.a.b` on an array or a string is NULL in SQL too. */
function valueAt(doc: object, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const key of path) {
    if (v === null || typeof v !== "object" || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = Reflect.get(v, key);
  }
  return v;
}

export function promotedReader(attr: AttributeInfo): PromotedReader {
  const { path, type } = attr;
  if (attr.arrayAt.length > 0) throw new Error(`promoted '${path.join("/")}': inside an array`);
  switch (type) {
    case "string":
    case "date-time":
      return (doc) => {
        const v = valueAt(doc, path);
        return typeof v === "string" ? v : null;
      };
    case "integer":
    case "number":
      return (doc) => {
        const v = valueAt(doc, path);
        return typeof v === "number" && Number.isFinite(v) ? v : null;
      };
    default:
      // Booleans would need a per-dialect representation; no collection promotes one yet.
      throw new Error(`promoted '${path.join("/")}': a ${type} attribute cannot be mirrored into a column`);
  }
}

/** column -> reader for a definition's `promoted` map (column -> attribute path), checked against its schema. */
export function promotedReaders(schema: object, promoted: Readonly<Record<string, string>>): Record<string, PromotedReader> {
  const attributes = attributesFromSchema(schema, Object.fromEntries(Object.entries(promoted).map(([column, path]) => [path, column])));
  const readers: Record<string, PromotedReader> = {};
  for (const [column, path] of Object.entries(promoted)) readers[column] = promotedReader(attributes.get(path)!);
  return readers;
}
