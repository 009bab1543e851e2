// `select=a,b/c` → a projection keeping only those paths of a resource. Nested paths keep
// their nesting; through arrays each element is projected. Any catalogued attribute, or an
// object/array on the way to one, can be selected.
import { AppError } from "../../domain/app-error.ts";
import type { CollectionQuerySpec } from "./types.ts";

export const SELECT_MAX_PATHS = 64;

/** true = keep the whole value; otherwise the children to keep. */
type Selection = true | Map<string, Selection>;

export type Projection = (doc: object) => object;

export function parseSelect(input: string, spec: CollectionQuerySpec): Projection {
  const paths = input
    .split(",")
    .map((s) => s.trim().replaceAll(".", "/"))
    .filter((s) => s !== "");
  if (paths.length === 0) throw AppError.badRequest("select: no attribute given");
  if (paths.length > SELECT_MAX_PATHS) throw AppError.badRequest(`select: more than ${SELECT_MAX_PATHS} attributes`);
  const known = selectablePaths(spec);
  const root = new Map<string, Selection>();
  for (const path of paths) {
    if (!known.has(path)) throw AppError.badRequest(`select attribute '${path}' does not exist`);
    addPath(root, path.split("/"));
  }
  return (doc) => project(doc, root) as object;
}

// Cached per catalogue: the attribute paths plus every prefix of them.
const selectableCache = new WeakMap<CollectionQuerySpec["attributes"], Set<string>>();

function selectablePaths(spec: CollectionQuerySpec): Set<string> {
  let set = selectableCache.get(spec.attributes);
  if (set === undefined) {
    set = new Set();
    for (const attr of spec.attributes.values()) {
      for (let i = 1; i <= attr.path.length; i++) set.add(attr.path.slice(0, i).join("/"));
    }
    selectableCache.set(spec.attributes, set);
  }
  return set;
}

function addPath(node: Map<string, Selection>, segments: string[]): void {
  const [head, ...rest] = segments as [string, ...string[]];
  const existing = node.get(head);
  if (rest.length === 0 || existing === true) {
    node.set(head, true); // selecting `a` subsumes `a/b`
    return;
  }
  const child = existing ?? new Map<string, Selection>();
  node.set(head, child);
  addPath(child, rest);
}

function project(value: unknown, selection: Selection): unknown {
  if (selection === true) return value;
  if (Array.isArray(value)) return value.map((e) => project(e, selection));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of selection) {
    if (Object.hasOwn(value, key)) out[key] = project((value as Record<string, unknown>)[key], sub);
  }
  return out;
}
