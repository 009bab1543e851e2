// GET /data-services/v1beta1/storage-locations: the cloud regions a cloud protection store can be
// created in (all AWS regions, or those with an S3 target). A fixed list, so its filter is evaluated here rather than compiled to SQL: the
// contract's `'<capability>' in capabilities`, and `eq` on the scalar fields, joined with `and`.
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { AppError } from "../../domain/app-error.ts";
import { STORAGE_LOCATIONS_PATH, type StorageLocation } from "../../domain/storage-locations.ts";
import { parseFilter } from "../query/filter-parser.ts";
import type { FilterNode } from "../query/types.ts";

const SCALARS = ["id", "name", "cloudServiceProvider", "cloudServiceProviderId", "geography", "city", "timezone"] as const;
type Scalar = (typeof SCALARS)[number];
const isScalar = (path: string): path is Scalar => (SCALARS as readonly string[]).includes(path);

const StorageLocationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  generation: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  resourceUri: Type.String(),
  cloudServiceProvider: Type.String(),
  cloudServiceProviderId: Type.String(),
  geography: Type.String(),
  city: Type.String(),
  timezone: Type.String(),
  capabilities: Type.Array(Type.String()),
});

const ListSchema = Type.Object({ items: Type.Array(StorageLocationSchema), count: Type.Integer(), offset: Type.Integer(), total: Type.Integer() });
const QuerySchema = Type.Object({
  filter: Type.Optional(Type.String({ maxLength: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

/** A predicate for the filter; a 400 for anything beyond what the list supports. */
export function locationFilter(text: string): (l: StorageLocation) => boolean {
  const build = (node: FilterNode): ((l: StorageLocation) => boolean) => {
    if (node.kind === "and") {
      const parts = node.children.map(build);
      return (l) => parts.every((p) => p(l));
    }
    if (node.kind === "has" && node.path === "capabilities") return (l) => l.capabilities.includes(node.value.text);
    if (node.kind === "compare" && node.op === "eq" && isScalar(node.path)) {
      const path = node.path;
      return (l) => l[path] === node.value.text;
    }
    throw AppError.badRequest(`filter: storage-locations support '<value>' in capabilities and eq on ${SCALARS.join(", ")}, joined with and`);
  };
  return build(parseFilter(text));
}

export async function storageLocationRoutes(app: FastifyInstance, locations: readonly StorageLocation[]): Promise<void> {
  app.get<{ Querystring: { filter?: string; offset?: number; limit?: number } }>(
    STORAGE_LOCATIONS_PATH,
    {
      schema: {
        tags: ["storage-locations"],
        operationId: "ListLocations",
        summary: "List storage locations",
        querystring: QuerySchema,
        response: { 200: ListSchema, 400: Type.Ref("ErrorResponse"), 401: Type.Ref("ErrorResponse"), 403: Type.Ref("ErrorResponse"), 500: Type.Ref("ErrorResponse") },
      },
    },
    async (request) => {
      const { filter, offset = 0, limit = 1000 } = request.query;
      const matching = filter === undefined ? locations : locations.filter(locationFilter(filter));
      const items = matching.slice(offset, offset + limit);
      return { items, count: items.length, offset, total: matching.length };
    },
  );
}
