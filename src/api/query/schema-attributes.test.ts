// attributesFromSchema over TypeBox schemas: scalars, nesting, arrays, nullability, limits.
import { Type } from "typebox";
import { describe, expect, it } from "vitest";
import { defineCollectionQuery } from "./collection-spec.ts";
import { attributesFromSchema, SCHEMA_MAX_DEPTH } from "./schema-attributes.ts";
import { docSchema, PROMOTED } from "./test-support.ts";

describe("attributesFromSchema", () => {
  it("catalogues the fixture schema", () => {
    const attrs = attributesFromSchema(docSchema, PROMOTED);
    expect(Object.fromEntries(attrs)).toEqual({
      id: { path: ["id"], type: "string", arrayAt: [] },
      name: { path: ["name"], type: "string", arrayAt: [], column: "name" },
      state: { path: ["state"], type: "string", arrayAt: [], column: "state" },
      generation: { path: ["generation"], type: "integer", arrayAt: [], column: "generation" },
      createdAt: { path: ["createdAt"], type: "date-time", arrayAt: [], column: "created_at" },
      assigned: { path: ["assigned"], type: "boolean", arrayAt: [], column: "assigned" },
      enabled: { path: ["enabled"], type: "boolean", arrayAt: [] },
      sizeInGiB: { path: ["sizeInGiB"], type: "number", arrayAt: [] },
      description: { path: ["description"], type: "string", arrayAt: [] },
      expiresAt: { path: ["expiresAt"], type: "date-time", arrayAt: [] },
      "osInfo/name": { path: ["osInfo", "name"], type: "string", arrayAt: [], column: "os_name" },
      "osInfo/version": { path: ["osInfo", "version"], type: "integer", arrayAt: [] },
      tags: { path: ["tags"], type: "string", arrayAt: [0] },
      "protections/type": { path: ["protections", "type"], type: "string", arrayAt: [0] },
      "protections/protectionStoreInfo/id": { path: ["protections", "protectionStoreInfo", "id"], type: "string", arrayAt: [0] },
      "protections/schedules/id": { path: ["protections", "schedules", "id"], type: "integer", arrayAt: [0, 1] },
      "protections/schedules/recurrence": { path: ["protections", "schedules", "recurrence"], type: "string", arrayAt: [0, 1] },
      additionalDetails: { path: ["additionalDetails"], type: "json", arrayAt: [] },
    });
  });

  it("handles nullable objects and arrays, oneOf, type arrays, mixed unions and odd keys", () => {
    const schema = Type.Object({
      a: Type.Union([Type.Object({ b: Type.Number() }), Type.Null()]),
      c: Type.Union([Type.Array(Type.Union([Type.Integer(), Type.Null()])), Type.Null()]),
      d: { oneOf: [{ type: "null" }, { type: "string", format: "date-time" }] },
      e: { type: ["boolean", "null"] },
      f: Type.Union([Type.String(), Type.Number()]),
      g: Type.Array(Type.Array(Type.String())),
      "bad key": Type.String(),
      h: { allOf: [Type.Object({ x: Type.String() }), Type.Object({ y: Type.Integer() })] },
      i: Type.Any(),
    });
    const attrs = attributesFromSchema(schema);
    expect(attrs.get("a/b")).toEqual({ path: ["a", "b"], type: "number", arrayAt: [] });
    expect(attrs.get("c")).toEqual({ path: ["c"], type: "integer", arrayAt: [0] });
    expect(attrs.get("d")?.type).toBe("date-time");
    expect(attrs.get("e")?.type).toBe("boolean");
    expect(attrs.get("f")?.type).toBe("json");
    expect(attrs.get("g")?.type).toBe("json");
    expect(attrs.has("bad key")).toBe(false);
    expect(attrs.get("h/x")?.type).toBe("string");
    expect(attrs.get("h/y")?.type).toBe("integer");
    expect(attrs.get("i")?.type).toBe("json");
  });

  it("stops at the depth limit", () => {
    let node: object = Type.Object({ leaf: Type.String() });
    for (let i = 0; i < 12; i++) node = Type.Object({ n: node });
    const attrs = attributesFromSchema(node);
    const [only] = attrs.values();
    expect(attrs.size).toBe(1);
    expect(only?.path).toHaveLength(SCHEMA_MAX_DEPTH);
    expect(only?.type).toBe("json");
  });

  it("promotes nested scalars, but nothing inside arrays or unknown", () => {
    expect(attributesFromSchema(docSchema, { "osInfo/name": "os_name" }).get("osInfo/name")?.column).toBe("os_name");
    expect(() => attributesFromSchema(docSchema, { tags: "tags" })).toThrow(/'tags'/);
    expect(() => attributesFromSchema(docSchema, { "protections/type": "type" })).toThrow(/'protections\/type'/);
    expect(() => attributesFromSchema(docSchema, { nope: "nope" })).toThrow(/'nope'/);
  });
});

describe("defineCollectionQuery", () => {
  it("builds a spec and checks declared attribute names", () => {
    const spec = defineCollectionQuery({ schema: docSchema, promoted: PROMOTED, filterable: ["name", "tags"], sortable: ["name"], limitDefault: 20, limitMax: 1000 });
    expect(spec.filterable).toEqual(new Set(["name", "tags"]));
    expect(spec.attributes.get("createdAt")?.column).toBe("created_at");
    const base = { schema: docSchema, limitDefault: 1, limitMax: 1 };
    expect(() => defineCollectionQuery({ ...base, filterable: ["nope"] })).toThrow(/'nope'/);
    expect(() => defineCollectionQuery({ ...base, filterable: ["additionalDetails"] })).toThrow(/'additionalDetails'/);
    expect(() => defineCollectionQuery({ ...base, sortable: ["tags"] })).toThrow(/'tags'/);
  });
});
