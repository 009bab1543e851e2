// Resolving a user-written attribute path against the collection's catalogue. The catalogue
// is the only source of identifiers and JSON paths that ever reach SQL.
import { AppError } from "../../domain/app-error.ts";
import type { AttributeInfo, CollectionQuerySpec } from "./types.ts";

export type Purpose = "filter" | "sort" | "select";

export function lookupAttribute(spec: CollectionQuerySpec, path: string, purpose: Purpose): AttributeInfo {
  const attr = spec.attributes.get(path);
  if (attr === undefined) throw AppError.badRequest(`${purpose} attribute '${path}' does not exist`);
  return attr;
}

/** Attribute usable in filters: known, declared filterable, and a comparable scalar. */
export function filterAttribute(spec: CollectionQuerySpec, path: string): AttributeInfo {
  const attr = lookupAttribute(spec, path, "filter");
  if (attr.type === "json" || (spec.filterable !== "all" && !spec.filterable.has(path))) {
    throw AppError.badRequest(`filter attribute '${path}' is not filterable`);
  }
  return attr;
}

/** Attribute usable as a sort key: a scalar not inside an array, declared sortable. */
export function sortAttribute(spec: CollectionQuerySpec, path: string): AttributeInfo {
  const attr = lookupAttribute(spec, path, "sort");
  const declared = spec.sortable === "all-scalars" || spec.sortable.has(path);
  if (attr.type === "json" || attr.arrayAt.length > 0 || !declared) {
    throw AppError.badRequest(`sort attribute '${path}' is not sortable`);
  }
  return attr;
}

export const attrName = (attr: AttributeInfo): string => attr.path.join("/");
