// Builds a collection's attribute catalogue from its JSON Schema (TypeBox output): every
// scalar reachable through object properties and arrays, with its type and array crossings.
// Local `$ref`s ("#/..." JSON pointers) are resolved against the root schema, so an OpenAPI
// schema can be walked by passing `{ $ref: "#/components/schemas/X", components }`.
// Non-scalar leaves (free-form objects, arrays of arrays, unresolvable $ref) are recorded as
// "json": selectable, not filterable/sortable. Keys outside [A-Za-z0-9_$@-] are skipped
// because they could not be written in a filter path anyway.
import type { AttributeInfo, AttrType } from "./types.ts";

export const SCHEMA_MAX_DEPTH = 8;
const SAFE_KEY = /^[A-Za-z0-9_$@-]+$/;

type Schema = Record<string, unknown>;

const SCALAR_SCHEMAS: Record<AttrType, Schema> = {
  string: { type: "string" },
  "date-time": { type: "string", format: "date-time" },
  integer: { type: "integer" },
  number: { type: "number" },
  boolean: { type: "boolean" },
  json: {},
};

const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

function pointer(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    node = isSchema(node) && Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return isSchema(node) ? node : undefined;
}

/** Follows $ref chains (bounded, since refs may be cyclic). */
function deref(root: Schema, schema: Schema): Schema {
  let s = schema;
  for (let hops = 0; typeof s["$ref"] === "string"; hops++) {
    const target = hops < 16 ? pointer(root, s["$ref"]) : undefined;
    if (target === undefined) return {};
    s = target;
  }
  return s;
}

/** Strips null alternatives (anyOf/oneOf/type arrays) and merges allOf objects. */
function resolve(root: Schema, input: Schema): Schema {
  const schema = deref(root, input);
  for (const key of ["anyOf", "oneOf"] as const) {
    const alts = schema[key];
    if (!Array.isArray(alts)) continue;
    const nonNull = alts.filter((a) => isSchema(a) && deref(root, a)["type"] !== "null") as Schema[];
    if (nonNull.length === 1) return resolve(root, nonNull[0]!);
    // A union of same-typed scalars (e.g. an enum of literals) is that scalar.
    const types = new Set(nonNull.map((a) => scalarType(resolve(root, a))));
    const [only] = types;
    return types.size === 1 && only !== undefined ? SCALAR_SCHEMAS[only] : {};
  }
  if (Array.isArray(schema["allOf"])) {
    const properties: Record<string, unknown> = { ...(isSchema(schema["properties"]) ? schema["properties"] : {}) };
    for (const part of schema["allOf"]) {
      if (isSchema(part)) Object.assign(properties, resolve(root, part)["properties"]);
    }
    return { type: "object", properties };
  }
  const type = schema["type"];
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== "null");
    return nonNull.length === 1 ? { ...schema, type: nonNull[0] } : {};
  }
  if (type === undefined && "const" in schema) return { ...schema, type: constType(schema["const"]) };
  return schema;
}

function constType(v: unknown): string | undefined {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return undefined;
}

function scalarType(schema: Schema): AttrType | undefined {
  switch (schema["type"]) {
    case "string":
      return schema["format"] === "date-time" ? "date-time" : "string";
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return undefined;
  }
}

export function attributesFromSchema(schema: object, promoted: Record<string, string> = {}): Map<string, AttributeInfo> {
  const root = schema as Schema;
  const out = new Map<string, AttributeInfo>();
  const add = (path: string[], type: AttrType, arrayAt: number[]) => {
    if (path.length > 0) out.set(path.join("/"), { path, type, arrayAt });
  };

  const walk = (node: unknown, path: string[], arrayAt: number[]): void => {
    if (!isSchema(node) || path.length > SCHEMA_MAX_DEPTH) return;
    const s = resolve(root, node);
    const scalar = scalarType(s);
    if (scalar !== undefined) {
      add(path, scalar, arrayAt);
      return;
    }
    if (s["type"] === "array" && path.length > 0) {
      const items = isSchema(s["items"]) ? resolve(root, s["items"]) : {};
      // Arrays directly inside arrays cannot be addressed by a path: keep them opaque.
      if (items["type"] === "array") add(path, "json", arrayAt);
      else walk(items, path, [...arrayAt, path.length - 1]);
      return;
    }
    const properties = s["properties"];
    if (isSchema(properties) && Object.keys(properties).length > 0) {
      if (path.length === SCHEMA_MAX_DEPTH) {
        add(path, "json", arrayAt);
        return;
      }
      for (const [key, child] of Object.entries(properties)) {
        if (SAFE_KEY.test(key)) walk(child, [...path, key], arrayAt);
      }
      return;
    }
    add(path, "json", arrayAt);
  };
  walk(schema, [], []);

  // Nested paths may be promoted too (hypervisorManagerInfo/id): outside arrays a path names at
  // most one value per document, which one column can mirror.
  for (const [key, column] of Object.entries(promoted)) {
    const attr = out.get(key);
    if (attr === undefined || attr.arrayAt.length > 0 || attr.type === "json") {
      throw new Error(`promoted column '${column}': '${key}' is not a scalar attribute outside arrays`);
    }
    attr.column = column;
  }
  return out;
}
