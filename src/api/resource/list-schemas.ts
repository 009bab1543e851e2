// Query-string and response schemas shared by every list endpoint (validation and OpenAPI).
import { type TSchema, Type } from "typebox";
import { FILTER_MAX_LENGTH } from "../query/index.ts";
import type { EnvelopeKind, ListOptions } from "./collection-definition.ts";

// Bounds on every request: no unbounded filter, sort or select text reaches the parser.
export function listQuerySchema(list: ListOptions): TSchema {
  return Type.Object({
    // Decimal digits only, checked before any coercion ("0x10" and "1e1" are not page sizes);
    // the bounds are enforced, with a message naming them, by the query parser.
    offset: Type.Optional(Type.String({ pattern: "^[0-9]+$", description: `integer ≥ 0${list.offsetMax !== undefined ? `, at most ${list.offsetMax}` : ""}` })),
    limit: Type.Optional(Type.String({ pattern: "^[0-9]+$", description: `integer ${list.limitMin ?? 1}..${list.limitMax}, default ${list.limitDefault}` })),
    filter: Type.Optional(Type.String({ maxLength: FILTER_MAX_LENGTH, description: "GreenLake filter expression" })),
    sort: Type.Optional(Type.String({ maxLength: 512, description: "attr [asc|desc], ..." })),
    select: Type.Optional(Type.String({ maxLength: 1024, description: "comma-separated attribute paths" })),
  });
}

export function listResponseSchema(item: TSchema, kind: EnvelopeKind): TSchema {
  const paging: Record<string, TSchema> =
    kind === "standard"
      ? { offset: Type.Integer(), total: Type.Integer() }
      : kind === "page"
        ? { pageLimit: Type.Integer(), pageOffset: Type.Integer(), total: Type.Integer() }
        : { limit: Type.Integer(), offset: Type.Integer(), total: Type.Integer() };
  return Type.Object({ items: Type.Array(item), count: Type.Integer(), ...paging });
}
